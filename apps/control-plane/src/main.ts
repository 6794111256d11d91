#!/usr/bin/env node
import { migrate } from '@switchyard/db';
import { ensureBootstrapAdminKey } from './bootstrap-admin-key.js';
import { ConfigError, loadConfig } from './config/config.js';
import { createApp } from './create-app.js';
import { createLogger } from './logging/logger.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`switchyard: cannot start: invalid configuration\n${error.problems.map((p) => `  ${p}`).join('\n')}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(config.logLevel);
  const startedAt = performance.now();

  if (config.migrateOnStart) {
    const { applied } = await migrate(config.databaseUrl, { log: (line) => logger.info({ component: 'migrator' }, line) });
    logger.info({ applied: applied.length }, 'database schema is up to date');
  }

  const app = await createApp(config, logger);
  if (!config.skipBootstrapKey) await ensureBootstrapAdminKey(app, (text) => process.stdout.write(`${text}\n`));
  await app.listen({ port: config.port, host: config.host });
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  logger.info({ url, graphql: `${url}/graphql`, startupMs: Math.round(performance.now() - startedAt) }, 'control plane listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`switchyard: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
