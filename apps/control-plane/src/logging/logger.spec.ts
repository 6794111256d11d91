import { Writable } from 'node:stream';
import { createLogger } from './logger.js';

function capture(): { lines: string[]; stream: Writable } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, stream };
}

describe('createLogger', () => {
  it('redacts credentials and tool arguments wherever they appear', () => {
    const { lines, stream } = capture();
    const sut = createLogger('info', stream);
    sut.info(
      {
        req: { headers: { authorization: 'Bearer sy_secret_value' } },
        apiKey: { key: 'sy_abc' },
        call: { arguments: { path: '/etc/passwd' } },
      },
      'request',
    );
    const line = lines.join('');
    expect(line).not.toContain('sy_secret_value');
    expect(line).not.toContain('sy_abc');
    expect(line).not.toContain('/etc/passwd');
    expect(line).toContain('[redacted]');
  });
});
