// SseWriter on a real node:http server and socket: how many writes reach the socket is what the
// corking is for, so the test counts the socket's own write calls.
import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { JsonRpcMessage } from '@switchyard/protocol';
import { SseWriter } from './sse-writer.js';

const answer: JsonRpcMessage = { jsonrpc: '2.0', id: 1, result: { content: [] } } as JsonRpcMessage;

/** Counts the server socket's writes (one per `_write`, one per `_writev` of a corked batch). */
function countWrites(socket: Socket): { count: number } {
  const counter = { count: 0 };
  const internals = socket as unknown as { _write: (...args: unknown[]) => void; _writev?: (...args: unknown[]) => void };
  const write = internals._write.bind(socket);
  internals._write = (...args) => ((counter.count += 1), write(...args));
  if (internals._writev) {
    const writev = internals._writev.bind(socket);
    internals._writev = (...args) => ((counter.count += 1), writev(...args));
  }
  return counter;
}

describe('SseWriter', () => {
  let server: Server;
  let serve: (res: ServerResponse, writes: { count: number }) => void;

  beforeAll(async () => {
    server = createServer((_req, res) => serve(res, countWrites(res.socket as Socket)));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });

  afterAll(() => new Promise((resolve) => server.close(resolve)));

  /** GETs the stream; resolves the body and the number of server writes seen when it ended. */
  async function fetchStream(): Promise<{ body: string; writes: number; headers: IncomingMessage['headers'] }> {
    let writes: { count: number } = { count: -1 };
    const served = new Promise<void>((resolve) => {
      const previous = serve;
      serve = (res, counter) => {
        writes = counter;
        res.once('finish', () => resolve());
        previous(res, counter);
      };
    });
    const { port } = server.address() as AddressInfo;
    const res = await new Promise<IncomingMessage>((resolve, reject) => request({ host: '127.0.0.1', port, path: '/', agent: false }, resolve).on('error', reject).end());
    let body = '';
    for await (const chunk of res) body += chunk;
    await served;
    return { body, writes: writes.count, headers: res.headers };
  }

  it('sends the headers, the priming event, an answer and the end in one write when they come in one tick', async () => {
    serve = (res) => {
      const writer = new SseWriter(res, 's1', { 'mcp-session-id': 'abc' });
      writer.prime(0);
      writer.send(1, answer);
      writer.end();
    };

    const { body, writes, headers } = await fetchStream();

    expect(headers['content-type']).toBe('text/event-stream');
    expect(headers['mcp-session-id']).toBe('abc');
    expect(body).toBe(`id: s1.0\ndata: \n\nevent: message\nid: s1.1\ndata: ${JSON.stringify(answer)}\n\n`);
    expect(writes).toBe(1);
  });

  it('holds the headers and priming event for a quick answer: answer, priming event and end go in one write', async () => {
    serve = (res) => {
      const writer = new SseWriter(res, 's1', {}, 1_000);
      writer.prime(0);
      setTimeout(() => {
        writer.send(1, answer);
        writer.end();
      }, 5);
    };

    const { body, writes } = await fetchStream();

    expect(body).toBe(`id: s1.0\ndata: \n\nevent: message\nid: s1.1\ndata: ${JSON.stringify(answer)}\n\n`);
    expect(writes).toBe(1);
  });

  it('sends the headers and priming event once the hold is over, and a later answer with the end in a second write', async () => {
    // The answer is written only once the client has the priming event: held forever, it never would be.
    let primed!: () => void;
    const clientHasPriming = new Promise<void>((resolve) => (primed = resolve));
    serve = (res) => {
      const writer = new SseWriter(res, 's1', {}, 5);
      writer.prime(0);
      void clientHasPriming.then(() => {
        writer.send(1, answer);
        writer.end();
      });
    };
    const { port } = server.address() as AddressInfo;
    let writes: { count: number } = { count: -1 };
    const previous = serve;
    serve = (res, counter) => ((writes = counter), previous(res, counter));
    const res = await new Promise<IncomingMessage>((resolve, reject) => request({ host: '127.0.0.1', port, path: '/', agent: false }, resolve).on('error', reject).end());
    let body = '';
    for await (const chunk of res) {
      body += chunk;
      if (body === 'id: s1.0\ndata: \n\n') primed();
    }

    expect(body).toBe(`id: s1.0\ndata: \n\nevent: message\nid: s1.1\ndata: ${JSON.stringify(answer)}\n\n`);
    expect(writes.count).toBe(2);
  });

  it('sends the headers alone once the hold is over when nothing is written (a stream without priming)', async () => {
    // The answer is written only once the client has the headers: without them it never would be.
    let headersArrived!: () => void;
    const clientHasHeaders = new Promise<void>((resolve) => (headersArrived = resolve));
    serve = (res) => {
      const writer = new SseWriter(res, 's1', {}, 5);
      void clientHasHeaders.then(() => {
        writer.send(1, answer);
        writer.end();
      });
    };
    const { port } = server.address() as AddressInfo;
    const res = await new Promise<IncomingMessage>((resolve, reject) => request({ host: '127.0.0.1', port, path: '/', agent: false }, resolve).on('error', reject).end());
    headersArrived();
    let body = '';
    for await (const chunk of res) body += chunk;

    expect(res.statusCode).toBe(200);
    expect(body).toBe(`event: message\nid: s1.1\ndata: ${JSON.stringify(answer)}\n\n`);
  });
});
