import { Injectable } from '@nestjs/common';
import type { AdminEvent } from '@switchyard/db';
import type { Page, PageArgs } from '../graphql/pagination.js';
import type { Actor } from './actor.js';
import { AdminEventsRepository, type AdminEventFilter, type Tx } from './admin-events.repository.js';

/**
 * Names of the fields an update set, for an event's details: validated input objects carry
 * every declared key, mostly undefined, so Object.keys would claim everything changed; null
 * means "leave unchanged" for the updates that use this.
 */
export function changedFields(input: object): string[] {
  return Object.entries(input)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([key]) => key);
}

export interface MutationOutcome<T> {
  result: T;
  targetId: string | null;
  /** Safe summary of the change: names and flags, never secret values or keys. */
  details?: Record<string, unknown>;
}

/**
 * Every admin mutation runs through `mutate`: the change and its AdminEvent commit in one
 * transaction, so there is no change without its audit row and no audit row for a change
 * that rolled back.
 */
@Injectable()
export class AdminEventsService {
  constructor(private readonly repository: AdminEventsRepository) {}

  async mutate<T>(
    actor: Actor,
    action: string,
    targetType: string,
    work: (tx: Tx) => Promise<MutationOutcome<T>>,
  ): Promise<T> {
    return this.repository.transaction(async (tx) => {
      const outcome = await work(tx);
      await this.record(tx, actor, action, targetType, outcome.targetId, outcome.details);
      return outcome.result;
    });
  }

  /** Records an event inside a caller's transaction (for changes that are conditional). */
  async record(
    tx: Tx,
    actor: Actor,
    action: string,
    targetType: string,
    targetId: string | null,
    details: Record<string, unknown> = {},
  ): Promise<void> {
    await this.repository.insert(tx, {
      actorKeyId: actor.keyId,
      actorName: actor.name,
      action,
      targetType,
      targetId,
      details: details as object,
    });
  }

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.repository.transaction(work);
  }

  list(filter: AdminEventFilter, page: PageArgs): Promise<Page<AdminEvent>> {
    // Newest first: the audit log is read from the latest change backwards.
    return this.repository.page(filter, page, true);
  }
}
