import { join } from 'node:path';
import { z } from 'zod';

/**
 * The files a runner keeps in its data directory. Enrollment writes them (mode 0600, the
 * directory 0700); `status` and `start` read them, and renewal rewrites `runner.creds`.
 */
export function runnerFiles(dataDir: string) {
  return {
    /** Who this runner is: written once by `enroll`. */
    identity: join(dataDir, 'identity.json'),
    /** NATS credentials (user JWT + the runner's own nkey seed): the runner's secret. */
    credentials: join(dataDir, 'runner.creds'),
    /** The CA received at enrollment, to verify the NATS servers. */
    natsCa: join(dataDir, 'nats-ca.pem'),
  };
}

/** identity.json; extra fields written by newer runners are kept, not rejected. */
export const identitySchema = z.looseObject({
  runnerId: z.string().min(1),
  name: z.string().optional(),
  nodepool: z.string().optional(),
  enrolledAt: z.string().optional(),
  /** The runner's public nkey (the seed is only in runner.creds). */
  publicKey: z.string().optional(),
  controlPlaneUrl: z.string().optional(),
  /** NATS URLs received at enrollment; the config's natsUrls override them. */
  natsUrls: z.array(z.string()).optional(),
});

export type RunnerIdentity = z.infer<typeof identitySchema>;
