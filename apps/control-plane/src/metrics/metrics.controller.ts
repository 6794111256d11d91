import { Controller, Get, Header, Res } from '@nestjs/common';
import { Public } from '../auth/access.decorators.js';
import { MetricsService } from './metrics.service.js';

interface ReplyLike {
  header(name: string, value: string): ReplyLike;
  send(body: string): void;
}

@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus scrape endpoint. Public like /healthz: counters only, no names of keys or arguments. */
  @Get('metrics')
  @Public()
  @Header('Cache-Control', 'no-store')
  async scrape(@Res() reply: ReplyLike): Promise<void> {
    reply.header('Content-Type', this.metrics.contentType).send(await this.metrics.render());
  }
}
