import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createNatsAuthBundle, renderNatsServerConfig } from '@switchyard/nats-auth';
import { CliUsageError } from './cli-error.js';

/**
 * `switchyard nats init --out <dir>`: creates the installation's NATS operator, accounts and
 * control-plane users once. Writes <dir>/nats-auth.json (secrets; for the control plane only) and
 * <dir>/nats.conf (the nats-server fragment; public material). Prints no secret.
 */
export async function runNatsInitCommand(argv: string[], print: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      out: { type: 'string' },
      force: { type: 'boolean', default: false },
      'operator-name': { type: 'string', default: 'switchyard' },
      'resolver-dir': { type: 'string', default: 'jwt' },
      'operator-key-out': { type: 'string' },
    },
    strict: true,
  });
  if (!values.out) throw new CliUsageError('nats init needs --out <dir>');
  const out = resolve(values.out);
  const files = { bundle: join(out, 'nats-auth.json'), config: join(out, 'nats.conf') };
  const targets = [files.bundle, files.config, ...(values['operator-key-out'] ? [resolve(values['operator-key-out'])] : [])];
  const existing = targets.filter((file) => existsSync(file));
  if (existing.length > 0 && !values.force) {
    // A new bundle means new accounts: every runner would have to enroll again. Not a usage
    // mistake, so a plain Error: the CLI prints it and exits 1.
    throw new Error(`refusing to overwrite ${existing.join(', ')} (a new bundle invalidates every runner credential; pass --force to replace it)`);
  }

  const { bundle, operatorRootSeed } = await createNatsAuthBundle({ operatorName: values['operator-name'] });
  mkdirSync(out, { recursive: true, mode: 0o700 });
  writePrivate(files.bundle, `${JSON.stringify(bundle, null, 2)}\n`);
  writePrivate(files.config, renderNatsServerConfig(bundle, { resolverDir: values['resolver-dir'] }));
  if (values['operator-key-out']) writePrivate(resolve(values['operator-key-out']), `${operatorRootSeed}\n`);

  print(`Created NATS operator "${bundle.operator.name}" with accounts SYS ${bundle.systemAccount.publicKey} and APP ${bundle.appAccount.publicKey}.`);
  print(`  ${files.bundle}  secrets: give it to the control plane only (SWITCHYARD_NATS_AUTH_FILE)`);
  print(`  ${files.config}  nats-server operator mode: include it in each server's config`);
  print(
    values['operator-key-out']
      ? `  ${resolve(values['operator-key-out'])}  the operator's root seed: move it offline`
      : "The operator's root seed was not kept (pass --operator-key-out <file> to keep it offline).",
  );
  return 0;
}

/** Owner-only, also when replacing a file (the mode of writeFileSync only applies on creation). */
function writePrivate(file: string, text: string): void {
  writeFileSync(file, text, { mode: 0o600 });
  chmodSync(file, 0o600);
}
