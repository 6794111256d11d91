import { Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { LOGGER } from '../logging/logging.module.js';
import { NatsAccountStateRepository } from './nats-account-state.repository.js';
import { RunnerCredentialsService } from './runner-credentials.service.js';
import { SystemNatsLink } from './system-nats-link.js';

/** NATS operator mode, control-plane side: runner JWTs, revocation, the SYS connection. */
@Module({
  providers: [
    NatsAccountStateRepository,
    RunnerCredentialsService,
    {
      provide: SystemNatsLink,
      inject: [CONTROL_PLANE_CONFIG, LOGGER],
      useFactory: (config: ControlPlaneConfig, logger: Logger) =>
        new SystemNatsLink(config.natsUrls, logger.child({ component: 'nats-sys' }), config.natsAuth.systemUser.creds, config.natsCaPem),
    },
  ],
  exports: [RunnerCredentialsService, SystemNatsLink],
})
export class NatsAuthModule implements OnApplicationShutdown {
  constructor(@Inject(SystemNatsLink) private readonly system: SystemNatsLink) {}

  async onApplicationShutdown(): Promise<void> {
    await this.system.close();
  }
}
