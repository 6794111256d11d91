import type { JsonRpcMessage } from '@switchyard/protocol';
import { ClientStream } from './client-stream.js';

/** The id of a session's GET stream. */
export const STANDALONE_STREAM_ID = 'get';

/**
 * The client streams of one session, on `/mcp/<server>` and on `/mcp` alike: the GET stream, which
 * lives with the session, and one stream per request, kept while it runs — once finished, a resume
 * reads its log (getHere), so a long session does not keep every stream it ever had. Request
 * stream ids come from a counter, not random bytes (a syscall per request): the session id is what
 * keeps a stream from strangers; its streams need only be told apart.
 */
export class SessionStreams {
  readonly standalone: ClientStream;
  private readonly kept = new Map<string, ClientStream>();
  private requests = 0;

  /** `log(streamId, seq, message)` appends to a stream's event log (null: its end marker). */
  constructor(private readonly log: (streamId: string, seq: number, message: JsonRpcMessage | null) => void) {
    this.standalone = this.add(STANDALONE_STREAM_ID, true, false);
  }

  /** A new stream for one request's answer; `sse` false: it carries the answer only; `adaptive`: see ClientStream. */
  newRequestStream(sse = true, adaptive = false): ClientStream {
    this.requests += 1;
    return this.add(`r${this.requests.toString(36)}`, sse, adaptive);
  }

  get(streamId: string): ClientStream | undefined {
    return this.kept.get(streamId);
  }

  /** The session ended: every stream finishes. Returns the ids still kept (the GET stream's), whose logs go after a grace. */
  finishAll(): string[] {
    for (const stream of this.kept.values()) stream.finish();
    return [...this.kept.keys()];
  }

  private add(streamId: string, sse: boolean, adaptive: boolean): ClientStream {
    const forget = streamId === STANDALONE_STREAM_ID ? undefined : (stream: ClientStream) => this.kept.get(streamId) === stream && this.kept.delete(streamId);
    const stream = new ClientStream(streamId, (seq, message) => this.log(streamId, seq, message), sse, forget, adaptive);
    this.kept.set(streamId, stream);
    return stream;
  }
}
