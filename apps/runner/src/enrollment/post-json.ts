import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface PostJsonOptions {
  /** Extra CA certificates (PEM) to trust, for a control plane whose certificate is not public. */
  ca?: string;
  timeoutMs?: number;
  /** An enroll response is a few KiB; anything far larger is not our control plane. */
  maxResponseBytes?: number;
}

export interface JsonResponse {
  status: number;
  /** The parsed body, or undefined when it was not JSON. */
  json: unknown;
}

/**
 * POSTs a JSON body and reads a JSON answer. node:https rather than fetch: fetch cannot take a CA
 * of its own without an extra dependency, and a private CA is common on-prem.
 */
export function postJson(url: URL, body: unknown, options: PostJsonOptions = {}): Promise<JsonResponse> {
  const { ca, timeoutMs = 15_000, maxResponseBytes = 256 * 1024 } = options;
  const payload = Buffer.from(JSON.stringify(body), 'utf8');
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': payload.length, accept: 'application/json' },
        timeout: timeoutMs,
        ...(ca && url.protocol === 'https:' ? { ca } : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) {
            request.destroy(new Error(`the answer is larger than ${maxResponseBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on('end', () => {
          let json: unknown;
          try {
            json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, json });
        });
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(payload);
  });
}
