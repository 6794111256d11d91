import type { INestApplicationContext } from '@nestjs/common';
import { ApiKeyRole } from '@switchyard/db';
import { SYSTEM_ACTOR } from './admin-events/actor.js';
import { ApiKeysService } from './api-keys/api-keys.service.js';

/**
 * On first start (no usable admin key), creates one and prints it once to the terminal.
 * Two replicas starting together create only one: the check and the insert are serialized
 * by an advisory lock inside ApiKeysService.createBootstrapAdmin.
 */
export async function ensureBootstrapAdminKey(app: INestApplicationContext, print: (text: string) => void): Promise<boolean> {
  const apiKeys = app.get(ApiKeysService);
  const created = await apiKeys.createBootstrapAdmin(SYSTEM_ACTOR);
  if (!created) return false;
  print(
    [
      '',
      '  First start: created an admin API key. It is shown only this once; store it safely.',
      `    ${created.key}`,
      `  Use it as: Authorization: Bearer ${created.key.slice(0, 9)}…   (role ${ApiKeyRole.ADMIN})`,
      '',
    ].join('\n'),
  );
  return true;
}
