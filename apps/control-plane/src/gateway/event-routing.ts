import type { JsonRpcMessage } from '@switchyard/protocol';

export type RequestId = string | number;

/** A client request the upstream has not answered yet, and the client stream waiting for it. */
export interface InFlight {
  id: RequestId;
  callId: string;
  streamId: string;
  /** False for a POST answered with one JSON body: only the answer itself can go there. */
  sse: boolean;
  progressToken?: RequestId;
}

export type Destination =
  /** The answer to an in-flight request: it ends that request. */
  | { kind: 'answer'; request: InFlight }
  | { kind: 'stream'; streamId: string }
  /** The session's own stream (the client's GET). */
  | { kind: 'standalone' }
  | { kind: 'drop'; reason: string };

/**
 * Where an upstream message goes. Answers go to the stream of their request; progress to the
 * stream of the request it reports on (the runner names the call, or the progressToken does), and
 * nowhere when that request is not in flight any more.
 * Everything else — logs, list_changed, server → client requests (sampling, elicitation, roots) —
 * carries no link to a request over stdio. While exactly one SSE request stream is open it is
 * almost surely about that request (a tool asking for sampling mid-call), so it goes there, where
 * the spec wants related messages; otherwise to the standalone GET stream.
 */
export function destinationOf(message: JsonRpcMessage, callId: string | undefined, inFlight: Iterable<InFlight>): Destination {
  const requests = [...inFlight];
  if (!('method' in message)) {
    const request = requests.find((candidate) => candidate.id === message.id);
    return request === undefined ? { kind: 'drop', reason: `an answer to no pending request (id ${String(message.id)})` } : { kind: 'answer', request };
  }
  if (message.method === 'notifications/progress') {
    const token = message.params?.progressToken;
    const request = requests.find((candidate) => (callId !== undefined && candidate.callId === callId) || (token !== undefined && candidate.progressToken === token));
    if (request !== undefined) return request.sse ? { kind: 'stream', streamId: request.streamId } : { kind: 'standalone' };
    // Progress may only name a request in flight (spec, progress): anything else is stale — e.g.
    // an operation the client cancelled that the server finishes anyway — and clients reject it.
    return { kind: 'drop', reason: `progress for no request in flight (token ${String(token)})` };
  }
  const sseStreams = new Set(requests.filter((request) => request.sse).map((request) => request.streamId));
  if (sseStreams.size === 1) return { kind: 'stream', streamId: [...sseStreams][0] as string };
  return { kind: 'standalone' };
}
