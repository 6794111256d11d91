import { CallTelemetry } from '../src/telemetry/call-telemetry.service.js';
import { parseTraceparent } from '../src/telemetry/traceparent.js';
import { startControlPlane, type TestControlPlane } from './harness.js';
import { OtlpReceiver } from './otlp-receiver.js';

// Call telemetry in a running control plane, as the gateway records it: spans exported to a real
// OTLP/HTTP receiver (a local node:http server decoding the exporter's JSON), metrics on /metrics.
const clientTraceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const clientSpanId = '00f067aa0ba902b7';
// OTLP's enums in the JSON encoding (opentelemetry-proto trace.proto).
const SPAN_KIND_SERVER = 2;
const STATUS_CODE_ERROR = 2;

describe('call telemetry of a running control plane', () => {
  let receiver: OtlpReceiver;
  let cp: TestControlPlane | undefined;

  beforeEach(async () => {
    receiver = await new OtlpReceiver().start();
  });

  afterEach(async () => {
    await cp?.close();
    cp = undefined;
    await receiver.stop();
  });

  it("exports a call's span over OTLP as a child of the client's span, with its attributes, flushed when the app closes", async () => {
    cp = await startControlPlane({ SWITCHYARD_OTLP_ENDPOINT: `${receiver.endpoint}/`, SWITCHYARD_OTLP_HEADERS: 'authorization=Bearer%20collector-token' });
    const sut = cp.app.get(CallTelemetry);

    const call = sut.startCall({ server: 'weather', tool: 'get_forecast', sessionId: 'session-1', apiKeyId: 'key-1', callId: 'call-1', incoming: { meta: `00-${clientTraceId}-${clientSpanId}-01` } });
    call.setTarget({ versionId: 'version-1', runnerId: 'runner-1', nodepool: 'onprem-gpu-de' });
    call.end('RPC_ERROR', { errorCode: '-32602' });
    const sent = parseTraceparent(call.traceparent);
    const app = cp;
    cp = undefined;
    await app.close();
    await app.database.drop();

    expect(receiver.requests.map((r) => [r.path, r.headers.authorization])).toContainEqual(['/v1/traces', 'Bearer collector-token']);
    expect(receiver.spans).toHaveLength(1);
    const [span] = receiver.spans;
    expect(span).toMatchObject({
      traceId: clientTraceId,
      parentSpanId: clientSpanId,
      spanId: sent?.spanId,
      name: 'tools/call get_forecast',
      kind: SPAN_KIND_SERVER,
      status: { code: STATUS_CODE_ERROR, message: 'RPC_ERROR' },
      resource: { 'service.name': 'switchyard-control-plane' },
    });
    expect(span!.attributes).toMatchObject({
      'mcp.method.name': 'tools/call',
      'gen_ai.tool.name': 'get_forecast',
      'mcp.session.id': 'session-1',
      'switchyard.server.name': 'weather',
      'switchyard.api_key.id': 'key-1',
      'switchyard.call.id': 'call-1',
      'switchyard.version.id': 'version-1',
      'switchyard.runner.id': 'runner-1',
      'switchyard.nodepool': 'onprem-gpu-de',
      'switchyard.call.outcome': 'RPC_ERROR',
      'error.type': '-32602',
    });
    expect(sent).toEqual({ traceId: clientTraceId, spanId: expect.stringMatching(/^[0-9a-f]{16}$/), sampled: true });
  });

  it('keeps an unsampled client trace unrecorded, and passes on its unsampled flag', async () => {
    cp = await startControlPlane({ SWITCHYARD_OTLP_ENDPOINT: receiver.endpoint });
    const call = cp.app.get(CallTelemetry).startCall({ server: 'weather', tool: 'get_forecast', incoming: { header: `00-${clientTraceId}-${clientSpanId}-00` } });
    call.end('OK');
    const app = cp;
    cp = undefined;
    await app.close();
    await app.database.drop();

    expect(parseTraceparent(call.traceparent)).toMatchObject({ traceId: clientTraceId, sampled: false });
    expect(receiver.spans).toEqual([]);
  });

  it('shows call durations and outcomes on /metrics, by server, version, nodepool and outcome only', async () => {
    cp = await startControlPlane();
    const sut = cp.app.get(CallTelemetry);
    const routed = (outcome: 'OK' | 'TOOL_ERROR') => {
      const call = sut.startCall({ server: 'weather', tool: 'get_forecast', sessionId: 'session-secret', apiKeyId: 'key-secret' });
      call.setTarget({ versionId: 'version-1', runnerId: 'runner-1', nodepool: 'onprem-gpu-de' });
      call.end(outcome);
    };
    routed('OK');
    routed('OK');
    routed('TOOL_ERROR');
    sut.startCall({ server: 'weather', tool: 'get_forecast' }).end('DENIED');

    const response = await fetch(`${cp.url}/metrics`);
    const text = await response.text();

    expect(response.status).toBe(200);
    expect(text).toContain('switchyard_mcp_calls_total{server="weather",nodepool="onprem-gpu-de",outcome="OK"} 2');
    expect(text).toContain('switchyard_mcp_calls_total{server="weather",nodepool="onprem-gpu-de",outcome="TOOL_ERROR"} 1');
    expect(text).toContain('switchyard_mcp_calls_total{server="weather",nodepool="none",outcome="DENIED"} 1');
    expect(text).toContain('switchyard_mcp_call_duration_seconds_count{server="weather",version="version-1",nodepool="onprem-gpu-de",outcome="OK"} 2');
    expect(text).toContain('switchyard_mcp_call_duration_seconds_bucket{le="600",server="weather",version="version-1",nodepool="onprem-gpu-de",outcome="OK"} 2');
    expect(text).not.toMatch(/session-secret|key-secret|runner-1/);
  });
});
