import { ConfigError, describeIssues } from '../config/config.js';
import { controlPlaneEnvSchema } from '../config/config.schema.js';

/** The CLI needs only the database (and key TTL), not the whole control-plane environment. */
export function loadCliConfig(env: NodeJS.ProcessEnv): { databaseUrl: string; apiKeyTtlDays: number } {
  const parsed = controlPlaneEnvSchema
    .pick({ SWITCHYARD_DATABASE_URL: true, SWITCHYARD_API_KEY_TTL_DAYS: true })
    .safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(describeIssues(parsed.error.issues, env));
  }
  return { databaseUrl: parsed.data.SWITCHYARD_DATABASE_URL, apiKeyTtlDays: parsed.data.SWITCHYARD_API_KEY_TTL_DAYS };
}
