import type { JsonRpcMessage } from '@switchyard/protocol';
import type { ClientStream } from './client-stream.js';

/** What the gateway answers an HTTP request with, independent of the HTTP framework. */
export type GatewayReply =
  | { kind: 'json'; status: number; body: JsonRpcMessage; headers?: Record<string, string> }
  | { kind: 'empty'; status: number; headers?: Record<string, string> }
  /** An SSE stream: a POST's answer stream (`prime`), the GET stream, or a resumed one (`resumeAfter`). */
  | { kind: 'sse'; sessionId: string; stream: ClientStream; prime: boolean; resumeAfter?: number; headers: Record<string, string> }
  /** An SSE stream of a session another replica holds: followed in its Redis log after `afterSeq`. */
  | { kind: 'sse-follow'; sessionId: string; streamId: string; afterSeq: number; prime: boolean; headers: Record<string, string> };
