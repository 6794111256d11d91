import { parseArgs } from 'node:util';
import { ApiKeyRole, createPrismaClient } from '@switchyard/db';
import { validate } from 'class-validator';
import { plainToInstance } from 'class-transformer';
import { DomainError } from '@switchyard/protocol';
import { CLI_ACTOR } from '../admin-events/actor.js';
import { AdminEventsRepository } from '../admin-events/admin-events.repository.js';
import { AdminEventsService } from '../admin-events/admin-events.service.js';
import { CreateApiKeyInput } from '../api-keys/api-key.model.js';
import { ApiKeysRepository } from '../api-keys/api-keys.repository.js';
import { ApiKeysService } from '../api-keys/api-keys.service.js';
import type { ControlPlaneConfig } from '../config/config.js';
import { loadCliConfig } from './cli-config.js';
import { CliUsageError } from './cli-error.js';

const list = (value: string | undefined) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : undefined);

/** `switchyard keys create`: the way to get an admin key without the API (e.g. a lost bootstrap key). */
export async function runKeysCreateCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      role: { type: 'string' },
      name: { type: 'string' },
      scopes: { type: 'string' },
      servers: { type: 'string' },
      tools: { type: 'string' },
      'expires-in-days': { type: 'string' },
      'never-expires': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const role = values.role?.toUpperCase();
  if (!role || !(role in ApiKeyRole)) throw new CliUsageError(`--role must be one of ${Object.keys(ApiKeyRole).join(', ')}`);
  if (!values.name) throw new CliUsageError('--name is required');

  const input = plainToInstance(CreateApiKeyInput, {
    name: values.name,
    role,
    scopes: list(values.scopes),
    allowedServers: list(values.servers),
    allowedTools: list(values.tools),
    expiresInDays: values['expires-in-days'] ? Number(values['expires-in-days']) : undefined,
    neverExpires: values['never-expires'],
  });
  const problems = (await validate(input)).flatMap((e) =>
    Object.values(e.constraints ?? {}).map((message) => ({ path: e.property, message })),
  );
  if (problems.length) throw DomainError.badInput(problems);

  const { databaseUrl, apiKeyTtlDays } = loadCliConfig(process.env);
  const prisma = createPrismaClient(databaseUrl);
  try {
    const adminEvents = new AdminEventsService(new AdminEventsRepository(prisma));
    const config = { apiKeyTtlDays } as ControlPlaneConfig;
    const apiKeys = new ApiKeysService(new ApiKeysRepository(prisma), adminEvents, config);
    const { apiKey, key } = await apiKeys.create(CLI_ACTOR, input);
    if (values.json) {
      process.stdout.write(`${JSON.stringify({ id: apiKey.id, name: apiKey.name, role: apiKey.role, key, expiresAt: apiKey.expiresAt })}\n`);
    } else {
      process.stdout.write(
        `Created ${apiKey.role} key "${apiKey.name}" (id ${apiKey.id}, expires ${apiKey.expiresAt?.toISOString() ?? 'never'}).\n` +
          `Key (shown once): ${key}\n`,
      );
    }
    return 0;
  } finally {
    await prisma.$disconnect();
  }
}
