import { Global, Module } from '@nestjs/common';
import { ApiKeyChanges } from './api-key-changes.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysResolver } from './api-keys.resolver.js';
import { ApiKeysService } from './api-keys.service.js';

@Global()
@Module({
  providers: [ApiKeysRepository, ApiKeysService, ApiKeysResolver, ApiKeyChanges],
  exports: [ApiKeysService, ApiKeyChanges],
})
export class ApiKeysModule {}
