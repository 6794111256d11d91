import { DomainError } from '@switchyard/protocol';

/** Where a page of the audit log ends: rows go newest first by (startedAt, callId). */
export interface AuditPosition {
  startedAt: Date;
  callId: string;
}

const CURSOR_VERSION = 'a1';

/**
 * Audit cursors carry the start time and the call id: call ids are random (UUIDv4, made before the
 * row), so unlike the admin API's UUIDv7 ids they do not sort by time, and the log is read by time.
 * Opaque to clients, like every cursor of the API.
 */
export function encodeAuditCursor(position: AuditPosition): string {
  return Buffer.from(`${CURSOR_VERSION}:${position.startedAt.toISOString()}:${position.callId}`, 'utf8').toString('base64url');
}

export function decodeAuditCursor(cursor: string): AuditPosition {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^a1:(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z):([0-9a-f-]{36})$/i.exec(decoded);
  const startedAt = match ? new Date(match[1]!) : undefined;
  if (!match || startedAt === undefined || Number.isNaN(startedAt.getTime())) {
    throw DomainError.badInput([{ path: 'after', message: 'is not a cursor returned by this API' }]);
  }
  return { startedAt, callId: match[2]! };
}
