import type { Logger } from 'pino';
import { NatsLink } from '../connections/nats-link.js';
import { checkClaimsUpdateReply, CLAIMS_UPDATE_SUBJECT } from './claims-update-reply.js';

const REQUEST_TIMEOUT_MS = 5_000;

/**
 * The control plane's system-account (SYS) connection: account JWT updates now; `$SYS` connect and
 * disconnect events later. Separate from the APP connection because only SYS users may use `$SYS`.
 */
export class SystemNatsLink {
  readonly link: NatsLink;

  constructor(servers: readonly string[], logger: Logger, systemUserCreds: string, caPem: string | null = null) {
    this.link = new NatsLink(servers, logger, { name: 'switchyard-control-plane-sys', creds: systemUserCreds, caPem });
  }

  /** Replaces an account's JWT on the servers; throws unless the server reports it applied. */
  async pushAccountJwt(jwt: string): Promise<void> {
    const connection = await this.link.connected(REQUEST_TIMEOUT_MS);
    const reply = await connection.request(CLAIMS_UPDATE_SUBJECT, jwt, { timeout: REQUEST_TIMEOUT_MS });
    checkClaimsUpdateReply(reply.string());
  }

  /** The account JWT a server currently holds (what its resolver would hand out). */
  async lookupAccountJwt(accountPublicKey: string): Promise<string> {
    const connection = await this.link.connected(REQUEST_TIMEOUT_MS);
    const reply = await connection.request(`$SYS.REQ.ACCOUNT.${accountPublicKey}.CLAIMS.LOOKUP`, '', { timeout: REQUEST_TIMEOUT_MS });
    return reply.string();
  }

  close(): Promise<void> {
    return this.link.close();
  }
}
