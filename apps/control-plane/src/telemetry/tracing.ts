import { randomUUID } from 'node:crypto';
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOffSampler, AlwaysOnSampler, BatchSpanProcessor, ParentBasedSampler, TracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace';
import { ATTR_SERVICE_INSTANCE_ID, ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { Logger } from 'pino';

export const SERVICE_NAME = 'switchyard-control-plane';

export interface TracingSettings {
  /** Base URL of an OTLP/HTTP receiver (`http://collector:4318`), or null: export nothing. */
  otlpEndpoint: string | null;
  otlpHeaders: Readonly<Record<string, string>>;
}

/** The control plane's tracer, and whether what it records leaves the process. */
export interface Tracing {
  readonly tracer: Tracer;
  /** True when spans are recorded and exported over OTLP; false: spans only carry trace context. */
  readonly exporting: boolean;
  /** Exports what is queued and stops. */
  shutdown(): Promise<void>;
}

// Below main.ts's 10 s cut-off of a hung shutdown, so the last batch can still go out.
const EXPORT_TIMEOUT_MS = 5_000;

/**
 * A tracer provider of this process only (not registered as the global one: tests run several
 * control planes in one process, each with its own collector).
 *
 * Without an endpoint the sampler records nothing: spans are the SDK's non-recording ones, which
 * still get fresh span ids, so trace context flows to runners at the cost of two random ids.
 * With one, the parent's sampling decision is kept (ParentBased) and spans go out in batches.
 */
export function createTracing(settings: TracingSettings, logger: Logger): Tracing {
  const exporting = settings.otlpEndpoint !== null;
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: SERVICE_NAME, [ATTR_SERVICE_INSTANCE_ID]: randomUUID() }),
    sampler: exporting ? new ParentBasedSampler({ root: new AlwaysOnSampler() }) : new AlwaysOffSampler(),
    spanProcessors: exporting
      ? [
          new BatchSpanProcessor({
            exporter: loggingFailures(
              new OTLPTraceExporter({ url: `${settings.otlpEndpoint}/v1/traces`, headers: { ...settings.otlpHeaders }, timeoutMillis: EXPORT_TIMEOUT_MS }),
              logger.child({ component: 'tracing', endpoint: settings.otlpEndpoint }),
            ),
            exportTimeoutMillis: EXPORT_TIMEOUT_MS,
          }),
        ]
      : [],
  });
  if (exporting) logger.info({ component: 'tracing', endpoint: settings.otlpEndpoint }, 'exporting call spans over OTLP/HTTP');
  return { tracer: provider.getTracer(SERVICE_NAME), exporting, shutdown: () => provider.shutdown() };
}

/** The SDK reports failed exports only to its global diag logger; say it in ours (never the headers). */
function loggingFailures(exporter: SpanExporter, logger: Logger): SpanExporter {
  return {
    export(spans, resultCallback) {
      exporter.export(spans, (result) => {
        // ExportResultCode.SUCCESS is 0 (@opentelemetry/core).
        if (result.code !== 0) logger.warn({ spans: spans.length, err: result.error?.message }, 'could not export spans over OTLP');
        resultCallback(result);
      });
    },
    shutdown: () => exporter.shutdown(),
    forceFlush: () => exporter.forceFlush?.() ?? Promise.resolve(),
  };
}
