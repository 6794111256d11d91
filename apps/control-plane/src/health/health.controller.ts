import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { PrismaClient } from '@switchyard/db';
import type { Redis } from 'ioredis';
import { Public } from '../auth/access.decorators.js';
import { REDIS } from '../connections/connections.module.js';
import { NatsLink } from '../connections/nats-link.js';
import { PRISMA } from '../database/database.module.js';

interface ReplyLike {
  status(code: number): ReplyLike;
  send(body: unknown): void;
}

type CheckResult = { status: 'up' } | { status: 'down'; error: string };

const CHECK_TIMEOUT_MS = 2_000;

async function check(probe: () => Promise<unknown>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      probe(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
      }),
    ]);
    return { status: 'up' };
  } catch (error) {
    return { status: 'down', error: (error as Error).message.split('\n')[0] ?? 'unknown error' };
  } finally {
    clearTimeout(timer);
  }
}

@Controller()
export class HealthController {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly nats: NatsLink,
  ) {}

  /** Liveness: the process answers. Never depends on other services. */
  @Get('healthz')
  @Public()
  healthz() {
    return { status: 'ok' };
  }

  /** Readiness: Postgres, Redis and NATS all answer. 503 with the failing checks otherwise. */
  @Get('readyz')
  @Public()
  async readyz(@Res() reply: ReplyLike): Promise<void> {
    const [postgres, redis, nats] = await Promise.all([
      check(() => this.prisma.$queryRaw`SELECT 1`),
      check(() => this.redis.ping()),
      check(() => this.nats.ping()),
    ]);
    const checks = { postgres, redis, nats };
    const ready = Object.values(checks).every((c) => c.status === 'up');
    reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  }
}
