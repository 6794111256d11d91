// A minimal keep-alive HTTP/1.1 client on node:http: one socket, one request in flight, so a
// benchmark measures the server and not the client (fetch/undici costs noticeably more per call).
import http from 'node:http';

export function createHttpClient(baseUrl, { timeoutMs = 10_000 } = {}) {
  const { hostname, port } = new URL(baseUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  /** Resolves { status, body } with the whole body as a string. */
  function request(method, path, { headers = {}, body } = {}) {
    const payload = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          host: hostname,
          port,
          method,
          path,
          headers: payload ? { ...headers, 'content-length': payload.length } : headers,
        },
        (res) => {
          const chunks = [];
          res.on('data', (chunk) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
      req.end(payload);
    });
  }

  return { request, close: () => agent.destroy() };
}
