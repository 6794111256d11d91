import { Inject, Injectable } from '@nestjs/common';
import { controlMessageSchema, encode, RUNNER_PROTOCOL_VERSION, subjects, type Placement as WirePlacement } from '@switchyard/protocol';
import type { Logger } from 'pino';
import { NatsLink } from '../connections/nats-link.js';
import { LOGGER } from '../logging/logging.module.js';
import { SecretsService } from '../secrets/secrets.service.js';

/** One runner's assignment, ready to go out. */
export interface OutgoingAssignment {
  runnerId: string;
  seq: number;
  placements: WirePlacement[];
  /** Per version that declares secretEnv: `{ VAR: secret name }`. */
  secretRefs: Map<string, Record<string, string>>;
}

/**
 * Sends assignments on the runner's own control subject: first the assignment (the full desired
 * set, secret NAMES only), then one `secrets` message per version with the values it needs. The
 * runner waits for those before it starts the version. Values are opened from Postgres right here
 * and go nowhere else: not into a log line, not into an error message.
 */
@Injectable()
export class AssignmentPublisher {
  private readonly log: Logger;

  constructor(
    private readonly link: NatsLink,
    private readonly secrets: SecretsService,
    @Inject(LOGGER) logger: Logger,
  ) {
    this.log = logger.child({ component: 'placement' });
  }

  /** Whether anything can be sent now (otherwise a pass should not record assignments as sent). */
  available(): boolean {
    const connection = this.link.connection;
    return connection !== undefined && !connection.isClosed();
  }

  async sendAll(assignments: readonly OutgoingAssignment[]): Promise<void> {
    // One decryption per secret per batch, however many runners need it.
    const opened = new Map<string, Promise<string>>();
    const reveal = (name: string) => {
      let value = opened.get(name);
      if (!value) opened.set(name, (value = this.secrets.revealForDelivery(name)));
      return value;
    };
    for (const assignment of assignments) {
      try {
        await this.send(assignment, reveal);
      } catch (error) {
        // E.g. a stored launch spec the protocol refuses: that runner misses out, the others do not.
        this.log.error({ runnerId: assignment.runnerId, err: error instanceof Error ? error.message : String(error) }, 'assignment not sent');
      }
    }
  }

  private async send(assignment: OutgoingAssignment, reveal: (secretName: string) => Promise<string>): Promise<void> {
    const connection = this.link.connection;
    if (!connection || connection.isClosed()) {
      this.log.warn({ runnerId: assignment.runnerId, seq: assignment.seq }, 'NATS is not connected: assignment not sent (the next heartbeat check resends it)');
      return;
    }
    const subject = subjects.runCtl(assignment.runnerId);
    connection.publish(subject, encode(controlMessageSchema, { v: RUNNER_PROTOCOL_VERSION, type: 'assignment', seq: assignment.seq, placements: assignment.placements }));
    this.log.info(
      { runnerId: assignment.runnerId, seq: assignment.seq, deploymentIds: assignment.placements.map((p) => p.deploymentId) },
      'assignment sent',
    );
    for (const [versionId, refs] of assignment.secretRefs) {
      const values: Record<string, string> = {};
      try {
        for (const [variable, secretName] of Object.entries(refs)) values[variable] = await reveal(secretName);
      } catch (error) {
        // The runner times out waiting and reports the version FAILED; the message names no value.
        this.log.error(
          { runnerId: assignment.runnerId, versionId, secrets: Object.values(refs), err: error instanceof Error ? error.message : String(error) },
          'could not open the secrets of a placed version: not sent',
        );
        continue;
      }
      connection.publish(subject, encode(controlMessageSchema, { v: RUNNER_PROTOCOL_VERSION, type: 'secrets', versionId, values }));
      this.log.info({ runnerId: assignment.runnerId, versionId, variables: Object.keys(values) }, 'secrets sent');
    }
  }
}
