import { migrate } from '@switchyard/db';
import { loadCliConfig } from './cli-config.js';

export async function runMigrateCommand(): Promise<number> {
  const { databaseUrl } = loadCliConfig(process.env);
  const { applied } = await migrate(databaseUrl, { log: (line) => process.stdout.write(`${line}\n`) });
  process.stdout.write(applied.length ? `applied ${applied.length} migration(s)\n` : 'no pending migrations\n');
  return 0;
}
