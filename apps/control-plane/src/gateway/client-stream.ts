import type { JsonRpcMessage } from '@switchyard/protocol';
import type { LoggedEvent } from './event-log.js';
import type { SseWriter } from './sse-writer.js';

/** Where a request's answer and related messages go: an SSE stream, or one JSON body. */
export interface RequestSink {
  readonly streamId: string;
  readonly sse: boolean;
  push(message: JsonRpcMessage): void;
  /** Nothing more will come (the request was answered or cancelled, or the session ended). */
  finish(): void;
}

/**
 * One logical server → client stream of a session: a POST's response stream or the session's GET
 * stream. It outlives its HTTP connections: events get consecutive seq numbers and go to the
 * event log whether or not a client is connected (a dropped connection is not a cancellation),
 * and a client that reconnects with Last-Event-ID gets a new writer fed from the log.
 */
export class ClientStream implements RequestSink {
  private seq = 0;
  private writer: SseWriter | undefined;
  /** Events before the first client connection attached (the POST's own response is written after dispatch). */
  private backlog: LoggedEvent[] | undefined = [];
  private done = false;
  /**
   * A POST's stream whose client accepts one JSON body as well (`adaptive`): until it is decided,
   * events wait unlogged in the backlog. Its answer alone, first → one JSON body, nothing logged;
   * anything else first (progress, a server → client request), a connection, a hand-over or the
   * wait running out → SSE, the backlog logged.
   */
  private mode: 'undecided' | 'sse' | 'json';
  private decided: ((answer: JsonRpcMessage | undefined) => void) | undefined;

  /**
   * `log(seq, message)` appends to the stream's log; `message` null is the end marker. `sse` false
   * is a stream that only carries its request's answer (a POST answered with JSON on another replica).
   * `onFinished` is told when the stream has finished (its log has everything it will carry).
   */
  constructor(
    readonly streamId: string,
    private readonly log: (seq: number, message: JsonRpcMessage | null) => void,
    readonly sse = true,
    private readonly onFinished?: (stream: ClientStream) => void,
    readonly adaptive = false,
  ) {
    this.mode = adaptive ? 'undecided' : 'sse';
  }

  /**
   * For an adaptive stream: waits up to `holdMs` for the request's answer. Resolves the answer when
   * it came alone (the reply is one JSON body; the stream is done), or undefined when the stream is
   * SSE (something else came first, or nothing in time).
   */
  decide(holdMs: number): Promise<JsonRpcMessage | undefined> {
    if (this.mode === 'sse') return Promise.resolve(undefined);
    if (this.mode === 'json') return Promise.resolve((this.backlog?.[0] as LoggedEvent).message);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.becomeSse(), holdMs);
      this.decided = (answer) => {
        clearTimeout(timer);
        this.decided = undefined;
        resolve(answer);
      };
    });
  }

  /** Logs what waited undecided, and everything from now on. */
  private becomeSse(): void {
    if (this.mode !== 'undecided') return;
    this.mode = 'sse';
    for (const event of this.backlog ?? []) this.log(event.seq, event.message);
    if (this.done) this.log(this.seq, null);
    this.decided?.(undefined);
  }

  get finished(): boolean {
    return this.done;
  }

  get lastSeq(): number {
    return this.seq;
  }

  get connected(): boolean {
    return this.writer !== undefined && !this.writer.closed;
  }

  push(message: JsonRpcMessage): void {
    if (this.done) return;
    this.seq += 1;
    if (this.mode === 'undecided') {
      this.backlog?.push({ seq: this.seq, message });
      if ('method' in message || (this.backlog?.length ?? 0) > 1) this.becomeSse();
      return;
    }
    this.log(this.seq, message);
    if (this.writer !== undefined && !this.writer.closed) this.writer.send(this.seq, message);
    else this.backlog?.push({ seq: this.seq, message });
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    this.seq += 1;
    if (this.mode === 'undecided' && this.backlog?.length === 1) {
      // The answer alone (push() turned anything else to SSE): one JSON body, nothing to log.
      this.mode = 'json';
      this.decided?.((this.backlog[0] as LoggedEvent).message);
    } else if (this.mode === 'undecided') {
      this.becomeSse(); // ended without an answer (cancelled): SSE, its log ends here
    } else {
      this.log(this.seq, null); // tells readers on other replicas that nothing more will come
    }
    this.writer?.end();
    this.onFinished?.(this);
  }

  /**
   * Another replica serves this stream's connection, reading the log: from now on nothing is kept
   * in memory. Returns the seq after which that replica starts reading.
   */
  handOver(): number {
    this.becomeSse();
    const from = this.backlog !== undefined && this.backlog.length > 0 ? (this.backlog[0] as LoggedEvent).seq - 1 : this.seq;
    this.backlog = undefined;
    return from;
  }

  /**
   * A connection without Last-Event-ID: the POST's own, or a GET. It gets what no connection has
   * seen yet (the events before the first one attached), then live events. `prime` writes the
   * priming event positioned just before them.
   */
  attach(writer: SseWriter, prime: boolean): void {
    this.becomeSse();
    this.replaceWriter(writer);
    const backlog = this.backlog ?? [];
    this.backlog = undefined;
    if (prime) writer.prime(backlog.length > 0 ? (backlog[0] as LoggedEvent).seq - 1 : this.seq);
    for (const event of backlog) writer.send(event.seq, event.message);
    if (this.done) writer.end();
  }

  /** A reconnect: live events wait while `replay` reads the log after `afterSeq`. */
  async attachResumed(writer: SseWriter, afterSeq: number, replay: () => Promise<LoggedEvent[]>): Promise<void> {
    this.becomeSse();
    this.replaceWriter(writer);
    this.backlog = undefined;
    writer.hold(afterSeq);
    if (this.done) writer.end(); // after the replay
    let replayed: LoggedEvent[] = [];
    try {
      replayed = await replay();
    } finally {
      writer.release(replayed);
    }
  }

  /** Ends the current connection without finishing the stream (the session moved, or a new connection took over). */
  detach(): void {
    this.writer?.end();
    this.writer = undefined;
  }

  private replaceWriter(writer: SseWriter): void {
    if (this.writer !== undefined && this.writer !== writer) this.writer.end();
    this.writer = writer;
    writer.onClose(() => {
      if (this.writer === writer) this.writer = undefined;
    });
  }
}

/** A POST answered with one JSON body (initialize, clients that do not accept SSE): only the answer fits. */
export class JsonAnswer implements RequestSink {
  readonly sse = false;
  readonly answer: Promise<JsonRpcMessage | undefined>;
  private resolve!: (message: JsonRpcMessage | undefined) => void;

  constructor(readonly streamId: string) {
    this.answer = new Promise((resolve) => (this.resolve = resolve));
  }

  push(message: JsonRpcMessage): void {
    if (!('method' in message)) this.resolve(message);
  }

  finish(): void {
    this.resolve(undefined);
  }
}
