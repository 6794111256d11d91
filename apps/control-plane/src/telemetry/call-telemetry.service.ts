import { Inject, Injectable } from '@nestjs/common';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags, type Span } from '@opentelemetry/api';
import { endOf, metricLabelsOf, methodOf, spanNameOf, startAttributesOf, targetAttributesOf, TOOLS_CALL, type CallEnd, type CallEndDetails, type CallStart, type CallTarget } from './call-attributes.js';
import { CallMetrics } from './call-metrics.js';
import { formatTraceparent, incomingTraceparent, type TraceParent } from './traceparent.js';
import type { Tracing } from './tracing.js';

export const TRACING = Symbol('Tracing');

/** The trace context the client sent with its request, as found: both are optional and may be invalid. */
export interface IncomingTraceContext {
  /** `params._meta.traceparent` of the JSON-RPC request (wins: it is per call). */
  meta?: unknown;
  /** The HTTP `traceparent` header of the POST. */
  header?: unknown;
}

/**
 * One call's span and timer. `traceparent` goes to the runner with the call (the runner puts it in
 * the upstream request's `_meta`); `end` closes the span and records the call's metrics, once.
 */
export class CallSpan {
  /** W3C traceparent naming this call's span: the parent of everything the runner and upstream do for it. */
  readonly traceparent: string;
  /** For the audit row (ToolInvocation.traceId) and log lines. */
  readonly traceId: string;
  private target: CallTarget | undefined;
  private ended = false;
  private readonly startedAt = performance.now();

  constructor(
    private readonly span: Span,
    private readonly start: CallStart,
    private readonly metrics: CallMetrics,
    sampled: boolean,
  ) {
    const { traceId, spanId } = span.spanContext();
    this.traceId = traceId;
    this.traceparent = formatTraceparent({ traceId, spanId, sampled });
  }

  /** Where the router sent the call (before `end`; the last one counts when a call is retried elsewhere). */
  setTarget(target: CallTarget): void {
    if (this.ended) return;
    this.target = target;
    this.span.setAttributes(targetAttributesOf(target));
  }

  /** Ends the span and, for tool calls, records duration and outcome. Later calls are ignored. */
  end(outcome: CallEnd, details: CallEndDetails = {}): void {
    if (this.ended) return;
    this.ended = true;
    const seconds = (performance.now() - this.startedAt) / 1000;
    const { attributes, status } = endOf(outcome, details);
    this.span.setAttributes(attributes);
    this.span.setStatus(status);
    this.span.end();
    // The outcomes are the audit log's, which only tool calls have.
    if (methodOf(this.start) === TOOLS_CALL) this.metrics.record(metricLabelsOf(this.start.server, this.target, outcome), seconds);
  }
}

/** Spans and metrics of the calls the gateway relays (docs/gateway.md, Telemetry). */
@Injectable()
export class CallTelemetry {
  constructor(
    @Inject(TRACING) private readonly tracing: Tracing,
    private readonly metrics: CallMetrics,
  ) {}

  /**
   * Starts a call's span: a child of the client's span when it sent a valid traceparent, else the
   * root of a new trace.
   */
  startCall(start: CallStart & { incoming?: IncomingTraceContext }): CallSpan {
    const { incoming, ...call } = start;
    const parent = incoming === undefined ? undefined : incomingTraceparent(incoming);
    const context = parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true });
    const span = this.tracing.tracer.startSpan(spanNameOf(call), { kind: SpanKind.SERVER, attributes: startAttributesOf(call) }, context);
    return new CallSpan(span, call, this.metrics, this.sampledFlag(span, parent));
  }

  /**
   * The sampled flag sent on. Exporting, it is this process' decision (the parent's, or yes for a
   * new trace). Not exporting, the gateway records nothing and decides nothing: the client's flag
   * passes through, and a new trace is marked sampled so that a server that does trace records it.
   */
  private sampledFlag(span: Span, parent: TraceParent | undefined): boolean {
    if (this.tracing.exporting) return (span.spanContext().traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED;
    return parent?.sampled ?? true;
  }
}
