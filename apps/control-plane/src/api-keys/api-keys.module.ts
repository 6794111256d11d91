import { Global, Module } from '@nestjs/common';
import { ApiKeyChanges } from './api-key-changes.js';
import { ApiKeysRepository } from './api-keys.repository.js';
import { ApiKeysResolver } from './api-keys.resolver.js';
import { ApiKeysService } from './api-keys.service.js';
import { KeyChangesBroadcast } from './key-changes-broadcast.js';

@Global()
@Module({
  // KeyChangesBroadcast: every replica hears of a key changed on any (the gateway, /mcp and gRPC drop their cached checks).
  providers: [ApiKeysRepository, ApiKeysService, ApiKeysResolver, ApiKeyChanges, KeyChangesBroadcast],
  exports: [ApiKeysService, ApiKeyChanges, KeyChangesBroadcast],
})
export class ApiKeysModule {}
