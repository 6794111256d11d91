import { Module } from '@nestjs/common';
import { CONTROL_PLANE_CONFIG, type ControlPlaneConfig } from '../config/config.js';
import { SecretsCipher } from './secrets-cipher.js';
import { SecretsRepository } from './secrets.repository.js';
import { SecretsResolver } from './secrets.resolver.js';
import { SecretsService } from './secrets.service.js';

@Module({
  providers: [
    {
      provide: SecretsCipher,
      inject: [CONTROL_PLANE_CONFIG],
      useFactory: (config: ControlPlaneConfig) => new SecretsCipher(config.secretsKey),
    },
    SecretsRepository,
    SecretsService,
    SecretsResolver,
  ],
  exports: [SecretsService],
})
export class SecretsModule {}
