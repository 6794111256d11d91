import { Injectable } from '@nestjs/common';
import { Counter, Histogram } from 'prom-client';
import { MetricsService } from '../metrics/metrics.service.js';
import type { CallEnd } from './call-attributes.js';

/**
 * Seconds, 5 ms to 10 min: an echo through the relay takes a few ms, a tool may run for minutes
 * (the relay has no call timeout of its own).
 */
export const CALL_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

type Labels = { server: string; version: string; nodepool: string; outcome: CallEnd };

/** Prometheus series of MCP tool calls. Labels are bounded: no session, key, call or tool argument. */
@Injectable()
export class CallMetrics {
  private readonly duration: Histogram<'server' | 'version' | 'nodepool' | 'outcome'>;
  private readonly calls: Counter<'server' | 'nodepool' | 'outcome'>;

  constructor(metrics: MetricsService) {
    const registers = [metrics.registry];
    this.duration = new Histogram({
      name: 'switchyard_mcp_call_duration_seconds',
      help: 'MCP tool calls through the gateway, from the request to its answer (or failure), by server, version, nodepool and outcome',
      labelNames: ['server', 'version', 'nodepool', 'outcome'] as const,
      buckets: CALL_DURATION_BUCKETS,
      registers,
    });
    this.calls = new Counter({
      name: 'switchyard_mcp_calls_total',
      help: 'MCP tool calls through the gateway by server, nodepool and outcome (the audit log\'s outcomes)',
      labelNames: ['server', 'nodepool', 'outcome'] as const,
      registers,
    });
  }

  record(labels: Labels, seconds: number): void {
    this.duration.observe(labels, seconds);
    this.calls.inc({ server: labels.server, nodepool: labels.nodepool, outcome: labels.outcome });
  }
}
