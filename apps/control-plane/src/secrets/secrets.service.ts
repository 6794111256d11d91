import { Injectable } from '@nestjs/common';
import type { Secret } from '@switchyard/db';
import { DomainError, ErrorCode } from '@switchyard/protocol';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import type { CreateSecretInput, UpdateSecretInput } from './secret.model.js';
import { SecretsCipher, SecretsCipherError } from './secrets-cipher.js';
import { SecretsRepository, type SecretFilter } from './secrets.repository.js';

/** What the API may show of a secret: everything but the ciphertext. */
export type SecretView = Omit<Secret, 'ciphertext'>;

function view({ ciphertext: _sealed, ...visible }: Secret): SecretView {
  return visible;
}

/**
 * Secrets are write-only through the admin API. The value exists in clear only between the
 * request and `seal`, and again in `revealForDelivery`; it is never stored, logged or put in an
 * AdminEvent (their details carry the name only).
 */
@Injectable()
export class SecretsService {
  constructor(
    private readonly repository: SecretsRepository,
    private readonly adminEvents: AdminEventsService,
    private readonly cipher: SecretsCipher,
  ) {}

  async get(id: string): Promise<SecretView> {
    const secret = await this.repository.findById(id);
    if (!secret) throw DomainError.notFound('Secret', id);
    return view(secret);
  }

  async list(filter: SecretFilter, page: PageArgs): Promise<Page<SecretView>> {
    const result = await this.repository.page(filter, page);
    return { ...result, nodes: result.nodes.map(view) };
  }

  async create(actor: Actor, input: CreateSecretInput): Promise<SecretView> {
    const created = await this.adminEvents.mutate(actor, 'secret.create', 'Secret', async (tx) => {
      const secret = await this.repository.create(tx, {
        name: input.name,
        description: input.description ?? '',
        ciphertext: this.cipher.seal(input.name, input.value),
      });
      return { result: secret, targetId: secret.id, details: { name: secret.name } };
    });
    return view(created);
  }

  async update(actor: Actor, id: string, input: UpdateSecretInput): Promise<SecretView> {
    const existing = await this.get(id);
    const updated = await this.adminEvents.mutate(actor, 'secret.update', 'Secret', async (tx) => {
      const secret = await this.repository.update(tx, id, {
        description: input.description ?? undefined,
        // Sealed under the (unchangeable) name, so the AAD still matches when it is opened.
        ciphertext: input.value != null ? this.cipher.seal(existing.name, input.value) : undefined,
      });
      return { result: secret, targetId: id, details: { name: existing.name } };
    });
    return view(updated);
  }

  /** Refused while a server version still fills an environment variable from this secret. */
  async delete(actor: Actor, id: string): Promise<SecretView> {
    const existing = await this.get(id);
    await this.adminEvents.mutate(actor, 'secret.delete', 'Secret', async (tx) => {
      // Checked inside the transaction, right before the delete, to keep the window small:
      // references are by name in JSON, so no foreign key can close it entirely.
      const references = await this.repository.referencesTo(existing.name, tx);
      if (references.length > 0) {
        const list = references.map((r) => `${r.server}@${r.version}`).join(', ');
        throw DomainError.conflict(`Secret ${existing.name} is still used by server version(s) ${list}; remove it from their secretEnv first`, {
          references: references.length,
        });
      }
      return { result: await this.repository.delete(tx, id), targetId: id, details: { name: existing.name } };
    });
    return existing;
  }

  /**
   * The value in clear, for delivery to a runner over its own channel. Not part of the admin
   * API. Throws NOT_FOUND for an unknown name and INTERNAL when the stored value cannot be opened
   * (wrong or missing key, tampered row): the message names the secret and key ids only.
   */
  async revealForDelivery(name: string): Promise<string> {
    const secret = await this.repository.findByName(name);
    if (!secret) throw DomainError.notFound('Secret', name);
    try {
      return this.cipher.open(secret.name, secret.ciphertext);
    } catch (error) {
      if (error instanceof SecretsCipherError) throw new DomainError(ErrorCode.INTERNAL, error.message, { secret: name });
      throw error;
    }
  }
}
