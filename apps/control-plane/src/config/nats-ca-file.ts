import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads SWITCHYARD_NATS_CA_FILE: the CA bundle runners get at enrollment. Checked at start-up, so a
 * wrong file stops the control plane instead of enrolling runners that can never verify NATS.
 */
export function readNatsCaFile(path: string): { pem: string } | { problem: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    return { problem: `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  const certificates = text.match(PEM_CERTIFICATE) ?? [];
  if (certificates.length === 0) return { problem: `${path}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it` };
  for (const [index, pem] of certificates.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      return { problem: `${path}: certificate ${index + 1} is not a valid X.509 certificate` };
    }
  }
  // Only the certificates go to runners: anything else in the file (a stray private key) stays here.
  return { pem: `${certificates.join('\n')}\n` };
}
