import type { Principal } from '../auth/principal.js';

/** Who made a change: an API key, or an operator at the CLI (keyId null). */
export interface Actor {
  keyId: string | null;
  name: string;
}

export function actorOf(principal: Principal): Actor {
  return { keyId: principal.keyId, name: principal.name };
}

export const CLI_ACTOR: Actor = { keyId: null, name: 'cli' };
export const SYSTEM_ACTOR: Actor = { keyId: null, name: 'system' };
