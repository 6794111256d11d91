import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createTracing } from './tracing.js';

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('createTracing', () => {
  it('records nothing without an endpoint: spans only carry fresh ids', async () => {
    const sut = createTracing({ otlpEndpoint: null, otlpHeaders: {} }, pino({ enabled: false }));
    const span = sut.tracer.startSpan('tools/call x');

    expect(sut.exporting).toBe(false);
    expect(span.isRecording()).toBe(false);
    expect(span.spanContext().spanId).toMatch(/^(?!0{16})[0-9a-f]{16}$/);
    await sut.shutdown();
  });

  it('says in its log, without the headers, when the collector cannot be reached', async () => {
    const { logger, lines } = capturingLogger();
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const sut = createTracing({ otlpEndpoint: endpoint, otlpHeaders: { authorization: 'Bearer secret-token' } }, logger);
    sut.tracer.startSpan('tools/call x').end();

    // The SDK rejects the shutdown with the export's error (TelemetryModule logs and goes on).
    await expect(sut.shutdown()).rejects.toThrow(/ECONNREFUSED/);

    expect(sut.exporting).toBe(true);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, msg: 'could not export spans over OTLP', endpoint, spans: 1 }));
    expect(JSON.stringify(lines)).not.toContain('secret-token');
    // The exporter retries a refused connection until its 5 s export timeout.
  }, 15_000);
});
