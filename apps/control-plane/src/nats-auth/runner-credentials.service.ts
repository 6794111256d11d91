import { Inject, Injectable } from '@nestjs/common';
import { DomainError, isSubjectToken, runnerPermissions } from '@switchyard/protocol';
import { decodeAccountJwt, isPublicKey, signAccountJwt, signUserJwt, withRevocation, type AccountState } from '@switchyard/nats-auth';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { NatsAccountStateRepository, type AccountStateChange, type StoredAccountState } from './nats-account-state.repository.js';
import { SystemNatsLink } from './system-nats-link.js';

export interface IssueRunnerJwtRequest {
  runnerId: string;
  /** The runner's own user nkey (public part, `U…`); its seed never leaves the host. */
  runnerPublicKey: string;
  /** Defaults to SWITCHYARD_RUNNER_JWT_TTL_SECONDS. */
  ttlSeconds?: number;
}

export interface IssuedRunnerJwt {
  jwt: string;
  expiresAt: Date;
}

const MAX_TTL_SECONDS = 86_400;

/**
 * NATS credentials of runners: short-lived user JWTs scoped to one runner's subjects, and
 * revocation through the APP account JWT. Seeds come from the auth bundle and are never logged.
 */
@Injectable()
export class RunnerCredentialsService {
  private readonly app: { name: string; publicKey: string; signingSeed: string };

  constructor(
    @Inject(CONTROL_PLANE_CONFIG) private readonly config: ControlPlaneConfig,
    private readonly accounts: NatsAccountStateRepository,
    private readonly system: SystemNatsLink,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    const { appAccount } = config.natsAuth;
    this.app = { name: decodeAccountJwt(appAccount.jwt).name, publicKey: appAccount.publicKey, signingSeed: appAccount.signingSeed };
  }

  /**
   * A user JWT for the runner's key, signed with the APP account signing key, expiring after the
   * TTL, allowed exactly the runner's own subjects (`runnerPermissions` of the subject map).
   */
  async issueRunnerJwt(request: IssueRunnerJwtRequest, now = new Date()): Promise<IssuedRunnerJwt> {
    const ttlSeconds = request.ttlSeconds ?? this.config.runnerJwtTtlSeconds;
    const problems = [
      ...(isSubjectToken(request.runnerId) ? [] : [{ path: 'runnerId', message: 'must be 1-64 letters, digits or dashes' }]),
      ...(isPublicKey(request.runnerPublicKey, 'user') ? [] : [{ path: 'runnerPublicKey', message: 'must be a user public nkey (U…)' }]),
      ...(Number.isInteger(ttlSeconds) && ttlSeconds >= 1 && ttlSeconds <= MAX_TTL_SECONDS
        ? []
        : [{ path: 'ttlSeconds', message: `must be a whole number of seconds, 1 to ${MAX_TTL_SECONDS}` }]),
    ];
    if (problems.length > 0) throw DomainError.badInput(problems);
    // JWT times are whole seconds; report the expiry the server will enforce.
    const expiresAt = new Date((Math.floor(now.getTime() / 1000) + ttlSeconds) * 1000);
    const jwt = await signUserJwt({
      name: `runner-${request.runnerId}`,
      userPublicKey: request.runnerPublicKey,
      accountPublicKey: this.app.publicKey,
      accountSigningSeed: this.app.signingSeed,
      permissions: runnerPermissions(request.runnerId),
      expiresAt,
    });
    return { jwt, expiresAt };
  }

  /**
   * Revokes every JWT issued to this key at or before `at` (seconds): adds it to the APP account's
   * revocations, re-signs the whole account JWT with the operator signing key and pushes it over
   * SYS. The server then cuts the runner's connections and refuses its reconnects. Serialized
   * across replicas; every earlier revocation is kept (each push replaces the whole JWT).
   */
  async revokeRunnerKey(runnerPublicKey: string, at = new Date()): Promise<{ revision: number }> {
    if (!isPublicKey(runnerPublicKey, 'user')) throw DomainError.badInput([{ path: 'runnerPublicKey', message: 'must be a user public nkey (U…)' }]);
    const atSeconds = Math.floor(at.getTime() / 1000);
    const saved = await this.accounts.updateExclusively(
      this.app.publicKey,
      () => this.initialState(),
      (current) => this.signed({ ...current, revocations: withRevocation(current.revocations, runnerPublicKey, atSeconds) }),
      (jwt) => this.system.pushAccountJwt(jwt),
    );
    this.logger.info(
      { runnerPublicKey, revokedAt: atSeconds, account: this.app.publicKey, revision: saved.revision, revocations: Object.keys(saved.revocations).length },
      'runner NATS key revoked',
    );
    return { revision: saved.revision };
  }

  /** The APP account as the bundle created it: where the stored state starts. */
  private initialState(): AccountStateChange {
    const { limits, signingKeys, revocations } = decodeAccountJwt(this.config.natsAuth.appAccount.jwt);
    return { limits: { ...limits }, signingKeys, revocations, jwt: this.config.natsAuth.appAccount.jwt };
  }

  private async signed(state: Pick<StoredAccountState, 'limits' | 'signingKeys' | 'revocations'>): Promise<AccountStateChange> {
    const account: AccountState = { name: this.app.name, publicKey: this.app.publicKey, ...state };
    return { ...state, jwt: await signAccountJwt(account, this.config.natsAuth.operator.signingSeed) };
  }
}
