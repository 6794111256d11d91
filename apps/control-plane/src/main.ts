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

  // Stop cleanly on SIGTERM/SIGINT: close the server and connections, then exit 0. Installed
  // before anything is announced, so a supervisor reacting to "listening" cannot race it.
  // Repeated signals while stopping are ignored; a hung shutdown is cut off after 10 s.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const forceExit = setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(
      () => {
        clearTimeout(forceExit);
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);

  if (!config.skipBootstrapKey) await ensureBootstrapAdminKey(app, (text) => process.stdout.write(`${text}\n`));
  await app.listen({ port: config.port, host: config.host });
  const address = app.getHttpServer().address();
  const port = address && typeof address === 'object' ? address.port : config.port;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  logger.info({ url, graphql: `${url}/graphql`, startupMs: Math.round(performance.now() - startedAt) }, 'control plane listening');
}

main().catch((error: unknown) => {
  process.stderr.write(`switchyard: failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
