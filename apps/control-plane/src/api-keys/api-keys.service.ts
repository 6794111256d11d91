import { Inject, Injectable, Optional } from '@nestjs/common';
import { ApiKeyRole, type ApiKey } from '@switchyard/db';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { DomainError } from '@switchyard/protocol';
import type { Actor } from '../admin-events/actor.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import { issueSecret, hashSecret, looksLikeApiKey } from '../auth/api-key-secret.js';
import type { Principal } from '../auth/principal.js';
import { defaultScopesFor } from '../auth/roles.js';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import { ApiKeyChanges } from './api-key-changes.js';
import { ApiKeyState, type CreateApiKeyInput, type UpdateApiKeyInput } from './api-key.model.js';
import { ApiKeysRepository, type ApiKeyFilter } from './api-keys.repository.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/** lastUsedAt is written at most this often per key, so reads do not turn into writes. */
const TOUCH_INTERVAL_MS = 60_000;

export type ApiKeyView = ApiKey & { state: ApiKeyState };

export function stateOf(key: ApiKey, now: Date): ApiKeyState {
  if (key.revokedAt) return ApiKeyState.REVOKED;
  if (key.expiresAt && key.expiresAt <= now) return ApiKeyState.EXPIRED;
  return ApiKeyState.ACTIVE;
}

const principalOf = (key: ApiKey): Principal => ({
  keyId: key.id,
  name: key.name,
  role: key.role,
  scopes: key.scopes,
  allowedServers: key.allowedServers,
  allowedTools: key.allowedTools,
});

@Injectable()
export class ApiKeysService {
  constructor(
    private readonly repository: ApiKeysRepository,
    private readonly adminEvents: AdminEventsService,
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    /** Absent outside the app (the CLI): nobody there needs to hear of changes at once. */
    @Optional() private readonly changes: ApiKeyChanges = new ApiKeyChanges(),
  ) {}

  /** Resolves a presented key to its principal, or throws UNAUTHENTICATED. */
  async authenticate(plaintext: string, now = new Date()): Promise<Principal> {
    const key = looksLikeApiKey(plaintext) ? await this.repository.findByHash(hashSecret(plaintext)) : null;
    if (!key) throw DomainError.unauthenticated('Unknown API key');
    const state = stateOf(key, now);
    if (state === ApiKeyState.REVOKED) throw DomainError.unauthenticated('This API key has been revoked');
    if (state === ApiKeyState.EXPIRED) throw DomainError.unauthenticated('This API key has expired');
    if (!key.lastUsedAt || now.getTime() - key.lastUsedAt.getTime() > TOUCH_INTERVAL_MS) {
      void this.repository.touch(key.id, now);
    }
    return principalOf(key);
  }

  /**
   * The principals of those of `keyIds` that still work (neither revoked, expired nor deleted), by
   * key id, read now: what the gateway compares its open sessions with, so a key changed on one
   * replica reaches the sessions held on every replica. One query.
   */
  async activePrincipals(keyIds: readonly string[], now = new Date()): Promise<Map<string, Principal>> {
    const keys = keyIds.length === 0 ? [] : await this.repository.findByIds([...new Set(keyIds)]);
    return new Map(keys.filter((key) => stateOf(key, now) === ApiKeyState.ACTIVE).map((key) => [key.id, principalOf(key)]));
  }

  async create(actor: Actor, input: CreateApiKeyInput, now = new Date()): Promise<{ apiKey: ApiKeyView; key: string }> {
    return this.adminEvents.transaction((tx) => this.createIn(tx, actor, 'apiKey.create', input, now));
  }

  /**
   * First start: creates an admin key unless a usable one exists. The advisory lock makes the
   * check-then-insert atomic across replicas starting at the same moment.
   */
  async createBootstrapAdmin(actor: Actor, now = new Date()): Promise<{ apiKey: ApiKeyView; key: string } | null> {
    return this.adminEvents.transaction(async (tx) => {
      await this.repository.lockBootstrap(tx);
      if ((await this.repository.countActiveAdmins(now, tx)) > 0) return null;
      return this.createIn(tx, actor, 'apiKey.bootstrap', { name: 'bootstrap-admin', role: ApiKeyRole.ADMIN }, now);
    });
  }

  private async createIn(
    tx: Tx,
    actor: Actor,
    action: string,
    input: CreateApiKeyInput,
    now: Date,
  ): Promise<{ apiKey: ApiKeyView; key: string }> {
    const secret = issueSecret();
    const expiresAt = input.neverExpires
      ? null
      : new Date(now.getTime() + (input.expiresInDays ?? this.config.apiKeyTtlDays) * DAY_MS);
    const apiKey = await this.repository.create(tx, {
        name: input.name,
        role: input.role,
        prefix: secret.displayPrefix,
        hash: secret.hash,
        scopes: [...new Set(input.scopes ?? defaultScopesFor(input.role))],
        allowedServers: input.allowedServers ?? [],
        allowedTools: input.allowedTools ?? [],
        expiresAt,
        createdByKeyId: actor.keyId,
    });
    await this.adminEvents.record(tx, actor, action, 'ApiKey', apiKey.id, {
      name: apiKey.name,
      role: apiKey.role,
      scopes: apiKey.scopes,
      expiresAt: apiKey.expiresAt?.toISOString() ?? null,
    });
    return { apiKey: this.view(apiKey, now), key: secret.plaintext };
  }

  async update(actor: Actor, id: string, input: UpdateApiKeyInput): Promise<ApiKeyView> {
    await this.get(id);
    const updated = await this.adminEvents.mutate(actor, 'apiKey.update', 'ApiKey', async (tx) => {
      const apiKey = await this.repository.update(tx, id, {
        name: input.name,
        scopes: input.scopes ? [...new Set(input.scopes)] : undefined,
        allowedServers: input.allowedServers,
        allowedTools: input.allowedTools,
      });
      return { result: apiKey, targetId: id, details: { ...input } };
    });
    this.changes.changed(id);
    return this.view(updated);
  }

  async revoke(actor: Actor, id: string, now = new Date()): Promise<ApiKeyView> {
    const existing = await this.get(id);
    if (existing.revokedAt) return existing;
    const revoked = await this.adminEvents.mutate(actor, 'apiKey.revoke', 'ApiKey', async (tx) => ({
      result: await this.repository.update(tx, id, { revokedAt: now }),
      targetId: id,
      details: { name: existing.name },
    }));
    this.changes.changed(id);
    return this.view(revoked, now);
  }

  async delete(actor: Actor, id: string): Promise<ApiKeyView> {
    const existing = await this.get(id);
    await this.adminEvents.mutate(actor, 'apiKey.delete', 'ApiKey', async (tx) => ({
      result: await this.repository.delete(tx, id),
      targetId: id,
      details: { name: existing.name, role: existing.role },
    }));
    this.changes.changed(id);
    return existing;
  }

  async get(id: string): Promise<ApiKeyView> {
    const key = await this.repository.findById(id);
    if (!key) throw DomainError.notFound('API key', id);
    return this.view(key);
  }

  async list(filter: ApiKeyFilter, page: PageArgs): Promise<Page<ApiKeyView>> {
    const result = await this.repository.page(filter, page);
    const now = new Date();
    return { ...result, nodes: result.nodes.map((k) => this.view(k, now)) };
  }

  private view(key: ApiKey, now = new Date()): ApiKeyView {
    return { ...key, state: stateOf(key, now) };
  }
}


