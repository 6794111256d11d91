// A private CA and a nats-server certificate for 127.0.0.1 signed by it, made with openssl the way
// an operator would (docs/runner.md, "TLS to NATS").
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestTlsFiles {
  /** The CA certificate (PEM): what SWITCHYARD_NATS_CA_FILE points at. */
  caFile: string;
  certFile: string;
  keyFile: string;
}

export function writeTestTlsFiles(dir: string, caName = 'switchyard-test-ca'): TestTlsFiles {
  mkdirSync(dir, { recursive: true });
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });
  const ecKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl('req', '-x509', ...ecKey, '-days', '1', '-subj', `/CN=${caName}`, '-keyout', file('ca.key'), '-out', file('ca.pem'));
  openssl('req', ...ecKey, '-subj', '/CN=nats-1', '-keyout', file('server.key'), '-out', file('server.csr'));
  // The name runners dial must be in subjectAltName (CN alone is not checked by Node).
  writeFileSync(file('san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('san.cnf'), '-out', file('server.pem'));
  return { caFile: file('ca.pem'), certFile: file('server.pem'), keyFile: file('server.key') };
}
