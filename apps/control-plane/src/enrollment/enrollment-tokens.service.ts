import { Injectable } from '@nestjs/common';
import type { EnrollmentToken } from '@switchyard/db';
import { DomainError } from '@switchyard/protocol';
import type { Actor } from '../admin-events/actor.js';
import type { Tx } from '../admin-events/admin-events.repository.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import { hashSecret, issueSecret } from '../auth/api-key-secret.js';
import { labelsFromJson } from '../graphql/labels.js';
import type { Page, PageArgs } from '../graphql/pagination.js';
import { NodepoolsService, type NodepoolView } from '../nodepools/nodepools.service.js';
import { EnrollmentTokenState, type CreateEnrollmentTokenInput } from './enrollment-token.model.js';
import {
  EnrollmentTokensRepository,
  type EnrollmentTokenFilter,
  type EnrollmentTokenWithNodepool,
} from './enrollment-tokens.repository.js';

/** Like API keys: 256 random bits, shown once, stored as SHA-256 (see auth/api-key-secret.ts). */
export const ENROLLMENT_TOKEN_PREFIX = 'syet_';
const TOKEN_PATTERN = /^syet_[A-Za-z0-9_-]{43}$/;
const DEFAULT_TTL_MINUTES = 60;
const MINUTE_MS = 60_000;

export type EnrollmentTokenView = Omit<EnrollmentToken, 'hash'> & { nodepool: NodepoolView; state: EnrollmentTokenState };

export interface ConsumedEnrollmentToken {
  tokenId: string;
  nodepoolId: string;
  /** Safe to show and to audit (`syet_AbC…`), unlike the token. */
  prefix: string;
  /** The API key that created the token: who is accountable for the runner it enrolls. */
  createdByKeyId: string | null;
}

export function stateOf(token: Pick<EnrollmentToken, 'revokedAt' | 'usedAt' | 'expiresAt'>, now: Date): EnrollmentTokenState {
  if (token.revokedAt) return EnrollmentTokenState.REVOKED;
  if (token.usedAt) return EnrollmentTokenState.USED;
  if (token.expiresAt <= now) return EnrollmentTokenState.EXPIRED;
  return EnrollmentTokenState.ACTIVE;
}

function view({ hash: _hash, ...token }: EnrollmentTokenWithNodepool, now: Date): EnrollmentTokenView {
  return { ...token, nodepool: { ...token.nodepool, labels: labelsFromJson(token.nodepool.labels) }, state: stateOf(token, now) };
}

@Injectable()
export class EnrollmentTokensService {
  constructor(
    private readonly repository: EnrollmentTokensRepository,
    private readonly adminEvents: AdminEventsService,
    private readonly nodepools: NodepoolsService,
  ) {}

  async get(id: string, now = new Date()): Promise<EnrollmentTokenView> {
    const token = await this.repository.findById(id);
    if (!token) throw DomainError.notFound('Enrollment token', id);
    return view(token, now);
  }

  async list(filter: EnrollmentTokenFilter, page: PageArgs, now = new Date()): Promise<Page<EnrollmentTokenView>> {
    const result = await this.repository.page(filter, now, page);
    return { ...result, nodes: result.nodes.map((token) => view(token, now)) };
  }

  async create(
    actor: Actor,
    input: CreateEnrollmentTokenInput,
    now = new Date(),
  ): Promise<{ enrollmentToken: EnrollmentTokenView; token: string }> {
    const nodepool = await this.nodepools.get(input.nodepoolId);
    const secret = issueSecret(ENROLLMENT_TOKEN_PREFIX);
    const expiresAt = new Date(now.getTime() + (input.ttlMinutes ?? DEFAULT_TTL_MINUTES) * MINUTE_MS);
    const created = await this.adminEvents.mutate(actor, 'enrollmentToken.create', 'EnrollmentToken', async (tx) => {
      const token = await this.repository.create(tx, {
        nodepoolId: nodepool.id,
        prefix: secret.displayPrefix,
        hash: secret.hash,
        description: input.description ?? '',
        expiresAt,
        createdByKeyId: actor.keyId,
      });
      const details = { nodepool: nodepool.name, prefix: token.prefix, expiresAt: expiresAt.toISOString() };
      return { result: token, targetId: token.id, details };
    });
    return { enrollmentToken: view(created, now), token: secret.plaintext };
  }

  /**
   * Revokes an unused token. Revoking it again changes nothing; a used token cannot be revoked
   * (the runner it enrolled is what to revoke then). The conditional update decides, so a
   * revoke racing an enrollment cannot leave a token both used and revoked.
   */
  async revoke(actor: Actor, id: string, now = new Date()): Promise<EnrollmentTokenView> {
    return this.adminEvents.transaction(async (tx) => {
      const revoked = (await this.repository.revokeUnused(tx, id, now)) === 1;
      const token = await this.repository.findById(id, tx);
      if (!token) throw DomainError.notFound('Enrollment token', id);
      if (revoked) {
        await this.adminEvents.record(tx, actor, 'enrollmentToken.revoke', 'EnrollmentToken', id, {
          nodepool: token.nodepool.name,
          prefix: token.prefix,
        });
      } else if (!token.revokedAt) {
        const by = token.usedByRunnerId ? ` by runner ${token.usedByRunnerId}` : '';
        throw DomainError.conflict(`Enrollment token ${token.prefix} was already used${by}; revoke the runner instead`);
      }
      return view(token, now);
    });
  }

  async delete(actor: Actor, id: string, now = new Date()): Promise<EnrollmentTokenView> {
    const existing = await this.get(id, now);
    await this.adminEvents.mutate(actor, 'enrollmentToken.delete', 'EnrollmentToken', async (tx) => ({
      result: await this.repository.delete(tx, id),
      targetId: id,
      details: { nodepool: existing.nodepool.name, prefix: existing.prefix },
    }));
    return existing;
  }

  /**
   * Spends a token for one enrollment: exactly one of any number of concurrent callers
   * presenting the same token succeeds. Pass `tx` to make the spend part of the enrollment's
   * own transaction (a failed enrollment then leaves the token unused).
   */
  async consume(token: string, now: Date = new Date(), tx?: Tx): Promise<ConsumedEnrollmentToken> {
    if (!TOKEN_PATTERN.test(token)) throw DomainError.unauthenticated('Unknown enrollment token');
    const hash = hashSecret(token);
    const spent = (await this.repository.markUsed(hash, now, tx)) === 1;
    const row = await this.repository.findByHash(hash, tx);
    if (!row) throw DomainError.unauthenticated('Unknown enrollment token');
    if (spent) return { tokenId: row.id, nodepoolId: row.nodepoolId, prefix: row.prefix, createdByKeyId: row.createdByKeyId };
    switch (stateOf(row, now)) {
      case EnrollmentTokenState.REVOKED:
        throw DomainError.unauthenticated('This enrollment token has been revoked');
      case EnrollmentTokenState.EXPIRED:
        throw DomainError.unauthenticated('This enrollment token has expired');
      default:
        // USED, or (in theory) a row that turned valid between the two statements: never a success.
        throw DomainError.unauthenticated('This enrollment token has already been used');
    }
  }

  /** Records which runner a consumed token enrolled (called by enrollment, in its transaction). */
  recordRunner(tx: Tx, tokenId: string, runnerId: string): Promise<void> {
    return this.repository.setUsedBy(tx, tokenId, runnerId);
  }
}
