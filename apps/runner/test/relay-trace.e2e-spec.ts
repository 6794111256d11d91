import { randomUUID } from 'node:crypto';
import { jest } from '@jest/globals';
import type { UpstreamMessage } from '@switchyard/protocol';
import type { Placement } from '../src/supervisor/placement.js';
import type { ServerSupervisor } from '../src/supervisor/server-supervisor.js';
import { initializeRequest, RELAY_FIXTURE_SERVER, startRelayRig, type ControlPlaneProbe, type RelayRig } from './relay-fixtures.js';
import { capturingLogger, stdioPlacement } from './supervisor-fixtures.js';

// W3C trace context from the control plane's call message to the upstream MCP server: the runner's
// relay (in this process) over the run's nats-server, the fixture server a real stdio process whose
// `meta` tool answers with the `_meta` the SDK handed it.
jest.setTimeout(30_000);

const gatewaySpan = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const clientSpan = '00-4bf92f3577b34da6a3ce929d0e0e4736-b7ad6b7169203331-01';
const metaOf = (message: UpstreamMessage): unknown => {
  const result = message.kind === 'message' && 'result' in message.message ? (message.message.result as { content?: Array<{ text?: string }> }) : undefined;
  return JSON.parse(result?.content?.[0]?.text ?? 'undefined');
};

describe('runner relay: trace context into _meta', () => {
  let rig: RelayRig;
  let probe: ControlPlaneProbe;
  let supervisor: ServerSupervisor;
  let log: ReturnType<typeof capturingLogger>;
  let placement: Placement;
  let session: { sessionId: string; deploymentId: string; versionId: string };

  beforeEach(async () => {
    log = capturingLogger();
    rig = await startRelayRig(log.logger);
    ({ probe, supervisor } = rig);

    placement = stdioPlacement({ serverName: 'relay-fixture', launch: { command: 'node', args: [RELAY_FIXTURE_SERVER] } });
    await supervisor.apply([placement]);
    session = { sessionId: randomUUID(), deploymentId: placement.deploymentId, versionId: placement.versionId };
    await probe.call(session, initializeRequest(1));
    await probe.response(session.sessionId, 1);
    await probe.call(session, { jsonrpc: '2.0', method: 'notifications/initialized' });
  });

  afterEach(() => rig.close());

  it("hands the call's traceparent to the tool in _meta, and names it in the runner's log line for the call", async () => {
    const ack = await probe.call(session, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'meta', arguments: {} } }, { callId: 'call-traced', traceparent: gatewaySpan });
    const answer = await probe.response(session.sessionId, 2);

    expect(ack.status).toBe('accepted');
    expect(metaOf(answer)).toEqual({ traceparent: gatewaySpan });
    expect(log.lines()).toContainEqual(expect.objectContaining({ callId: 'call-traced', traceparent: gatewaySpan, method: 'tools/call', msg: 'writing a request upstream' }));
  });

  it("puts the gateway's traceparent in place of the client's, keeping the client's other _meta", async () => {
    const params = { name: 'meta', arguments: {}, _meta: { traceparent: clientSpan, tracestate: 'vendor=1', progressToken: 'p-1' } };
    await probe.call(session, { jsonrpc: '2.0', id: 3, method: 'tools/call', params }, { traceparent: gatewaySpan });

    // The progress token is the runner's own (upstream-ids.ts), mapped back to p-1 on the way out.
    expect(metaOf(await probe.response(session.sessionId, 3))).toEqual({ traceparent: gatewaySpan, tracestate: 'vendor=1', progressToken: expect.stringMatching(/^sy-\d+$/) });
  });

  it("leaves the client's _meta as it is when the call carries no trace context", async () => {
    await probe.call(session, { jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'meta', arguments: {}, _meta: { traceparent: clientSpan } } });
    await probe.call(session, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'meta', arguments: {} } });

    expect(metaOf(await probe.response(session.sessionId, 4))).toEqual({ traceparent: clientSpan });
    expect(metaOf(await probe.response(session.sessionId, 5))).toBeNull();
  });
});
