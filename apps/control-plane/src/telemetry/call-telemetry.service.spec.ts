import pino from 'pino';
import { MetricsService } from '../metrics/metrics.service.js';
import { CallMetrics } from './call-metrics.js';
import { CallTelemetry } from './call-telemetry.service.js';
import { parseTraceparent } from './traceparent.js';
import { createTracing } from './tracing.js';

// Without an OTLP endpoint (the default): nothing is exported, yet every call gets its own span id
// in a W3C traceparent, and tool calls are counted. The export itself: test/telemetry.e2e-spec.ts.
describe('CallTelemetry without an OTLP endpoint', () => {
  const clientTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const clientSpanId = '00f067aa0ba902b7';
  let metrics: MetricsService;
  let sut: CallTelemetry;

  beforeEach(() => {
    metrics = new MetricsService();
    sut = new CallTelemetry(createTracing({ otlpEndpoint: null, otlpHeaders: {} }, pino({ enabled: false })), new CallMetrics(metrics));
  });

  // Histograms name each value (_bucket, _sum, _count); counters do not.
  const series = async (name: string) => (await metrics.registry.getSingleMetric(name)!.get()).values as Array<{ metricName?: string; labels: object; value: number }>;

  it('starts a new trace when the client sent no trace context: valid ids, sampled, one per call', () => {
    const first = parseTraceparent(sut.startCall({ server: 'weather', tool: 'get' }).traceparent);
    const second = parseTraceparent(sut.startCall({ server: 'weather', tool: 'get' }).traceparent);

    expect(first).toEqual({ traceId: expect.stringMatching(/^[0-9a-f]{32}$/), spanId: expect.stringMatching(/^[0-9a-f]{16}$/), sampled: true });
    expect(second?.traceId).not.toBe(first?.traceId);
  });

  it("continues the client's trace: same trace id, a span id of its own, the client's sampled flag", () => {
    const sampled = sut.startCall({ server: 'weather', tool: 'get', incoming: { meta: `00-${clientTraceId}-${clientSpanId}-01` } });
    const unsampled = sut.startCall({ server: 'weather', tool: 'get', incoming: { header: `00-${clientTraceId}-${clientSpanId}-00` } });

    expect(parseTraceparent(sampled.traceparent)).toEqual({ traceId: clientTraceId, spanId: expect.not.stringMatching(clientSpanId), sampled: true });
    expect(sampled.traceId).toBe(clientTraceId);
    expect(parseTraceparent(unsampled.traceparent)).toMatchObject({ traceId: clientTraceId, sampled: false });
  });

  it('ignores an invalid client traceparent and starts a new trace', () => {
    const call = sut.startCall({ server: 'weather', tool: 'get', incoming: { meta: `00-${'0'.repeat(32)}-${clientSpanId}-01`, header: 'nonsense' } });
    expect(call.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(call.traceId).not.toBe('0'.repeat(32));
  });

  it('counts a tool call once, with its target and outcome, however often it is ended', async () => {
    const call = sut.startCall({ server: 'weather', tool: 'get', sessionId: 's', apiKeyId: 'k' });
    call.setTarget({ versionId: 'v-1', runnerId: 'r-1', nodepool: 'eu' });
    call.end('TOOL_ERROR');
    call.end('OK');

    expect(await series('switchyard_mcp_calls_total')).toEqual([{ labels: { server: 'weather', nodepool: 'eu', outcome: 'TOOL_ERROR' }, value: 1 }]);
    const count = (await series('switchyard_mcp_call_duration_seconds')).find((v) => v.metricName === 'switchyard_mcp_call_duration_seconds_count');
    expect(count).toEqual({ metricName: 'switchyard_mcp_call_duration_seconds_count', labels: { server: 'weather', version: 'v-1', nodepool: 'eu', outcome: 'TOOL_ERROR' }, value: 1 });
  });

  it('labels a call denied before routing with nodepool and version none', async () => {
    sut.startCall({ server: 'weather', tool: 'get' }).end('DENIED');
    expect(await series('switchyard_mcp_calls_total')).toEqual([{ labels: { server: 'weather', nodepool: 'none', outcome: 'DENIED' }, value: 1 }]);
  });

  it('traces other requests without counting them as tool calls', async () => {
    const call = sut.startCall({ server: 'weather', method: 'resources/read' });
    call.end('OK');
    expect(parseTraceparent(call.traceparent)).toBeDefined();
    expect(await series('switchyard_mcp_calls_total')).toEqual([]);
  });
});
