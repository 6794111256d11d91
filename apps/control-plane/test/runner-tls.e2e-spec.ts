// TLS to NATS end to end, as docs/runner.md describes it: nats-server (operator mode) with a
// certificate from a private CA; the control plane as a process of its own that trusts that CA
// for its own connections (SWITCHYARD_NATS_CA_FILE, no NODE_EXTRA_CA_CERTS) and hands runners `tls://` URLs and the CA (SWITCHYARD_NATS_PUBLIC_URLS,
// SWITCHYARD_NATS_CA_FILE); `switchyard-runner enroll` and `start` as real processes.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import { getFreePort, spawnChild, startNats, type ManagedChild, type NatsHandle } from '@switchyard/devstack';
import { createTestDatabase, type TestDatabase } from '@switchyard/devstack/testing';
import { createNatsAuthBundle, type NatsAuthBundle } from '@switchyard/nats-auth';
import { testConfigEnv } from './harness.js';
import { accountConnections } from './nats-sys.js';
import { assertRunnerBuilt, runRunnerCli, startRunner, writeRunnerConfig, type StartedRunner } from './runner-cli.js';
import { writeTestCa } from './runner-fixtures.js';
import { writeTestTlsFiles, type TestTlsFiles } from './test-tls.js';

const SLOW = 90_000;
const CONTROL_PLANE_MAIN = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'main.js');
const CONTROL_PLANE_CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const CREATE_NODEPOOL = `mutation($input: CreateNodepoolInput!) { createNodepool(input: $input) { id } }`;
const CREATE_TOKEN = `mutation($input: CreateEnrollmentTokenInput!) { createEnrollmentToken(input: $input) { token } }`;
const RUNNER = `query($id: ID!) { runner(id: $id) { id status } }`;

describe('runner ↔ NATS over TLS with the CA handed out at enrollment', () => {
  let dir: string;
  let tls: TestTlsFiles;
  let bundle: NatsAuthBundle;
  let nats: NatsHandle;
  let natsTlsUrl: string;
  let database: TestDatabase;
  let controlPlane: ManagedChild;
  let cpUrl: string;
  let operator: string;
  let pool: string;
  let sysNats: NatsConnection;
  const running: StartedRunner[] = [];
  let hostCount = 0;

  const gql = async <T>(query: string, variables: Record<string, unknown>): Promise<T> => {
    const response = await fetch(`${cpUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${operator}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: T; errors?: unknown };
    if (!body.data) throw new Error(`GraphQL failed: ${JSON.stringify(body.errors)}`);
    return body.data;
  };

  beforeAll(async () => {
    assertRunnerBuilt();
    for (const entry of [CONTROL_PLANE_MAIN, CONTROL_PLANE_CLI]) readFileSync(entry); // a clear ENOENT: build first
    dir = mkdtempSync(join(tmpdir(), 'runner-tls-e2e-'));
    tls = writeTestTlsFiles(join(dir, 'tls'));
    bundle = (await createNatsAuthBundle({ operatorName: 'runner-tls-e2e' })).bundle;
    const bundleFile = join(dir, 'nats-auth.json');
    writeFileSync(bundleFile, JSON.stringify(bundle), { mode: 0o600 });
    nats = await startNats({ dir: join(dir, 'nats'), auth: bundle, tls: { certFile: tls.certFile, keyFile: tls.keyFile } });
    natsTlsUrl = `tls://127.0.0.1:${nats.port}`;
    sysNats = await connect({ servers: natsTlsUrl, tls: { ca: readFileSync(tls.caFile, 'utf8') }, authenticator: credsAuthenticator(new TextEncoder().encode(bundle.systemUser.creds)) });

    database = await createTestDatabase();
    const port = await getFreePort();
    cpUrl = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH ?? '',
      ...testConfigEnv(database.url, {
        SWITCHYARD_PORT: String(port),
        SWITCHYARD_NATS_URL: natsTlsUrl,
        SWITCHYARD_NATS_AUTH_FILE: bundleFile,
        SWITCHYARD_NATS_PUBLIC_URLS: natsTlsUrl,
        SWITCHYARD_NATS_CA_FILE: tls.caFile,
        SWITCHYARD_LOG_LEVEL: 'warn',
      }),
    };
    controlPlane = spawnChild({ name: 'control plane', command: process.execPath, args: [CONTROL_PLANE_MAIN], env, stopTimeoutMs: 15_000 });
    // /readyz includes a NATS ping: 200 means the control plane is connected over TLS.
    await waitFor(async () => (await fetch(`${cpUrl}/readyz`)).status === 200, 60_000, () => `the control plane's /readyz (output: ${controlPlane.outputTail()})`);
    operator = (JSON.parse(await runControlPlaneCli(['keys', 'create', '--role', 'OPERATOR', '--name', 'tls-e2e', '--json'], env)) as { key: string }).key;
    pool = (await gql<{ createNodepool: { id: string } }>(CREATE_NODEPOOL, { input: { name: 'on-prem-tls', kind: 'ON_PREM', region: 'de-fra-1', jurisdiction: 'EU' } })).createNodepool.id;
  }, SLOW);
  afterEach(async () => {
    await Promise.all(running.splice(0).map((runner) => runner.kill()));
  });
  afterAll(async () => {
    await sysNats?.close();
    await controlPlane?.stop();
    await nats?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  const enrollHost = async (extra: Record<string, unknown> = {}) => {
    hostCount += 1;
    const hostDir = join(dir, `host-${hostCount}`);
    mkdirSync(hostDir);
    const dataDir = join(hostDir, 'data');
    const config = writeRunnerConfig(hostDir, { controlPlaneUrl: cpUrl, dataDir, name: `tls-host-${hostCount}`, ...extra });
    const { token } = (await gql<{ createEnrollmentToken: { token: string } }>(CREATE_TOKEN, { input: { nodepoolId: pool } })).createEnrollmentToken;
    const enrolled = await runRunnerCli(['enroll', '--config', config, '--url', cpUrl, '--token', '-'], { stdin: `${token}\n` });
    expect(enrolled).toMatchObject({ code: 0, stderr: '' });
    const identity = JSON.parse(readFileSync(join(dataDir, 'identity.json'), 'utf8')) as { runnerId: string; publicKey: string; natsUrls: string[] };
    return { config, dataDir, identity };
  };

  const connectionOf = async (publicKey: string) => (await accountConnections(sysNats, bundle.appAccount.publicKey)).find((c) => c.user === publicKey);

  it('enrollment hands out the tls:// URL and the CA; start connects over TLS and its heartbeats make it HEALTHY', async () => {
    const host = await enrollHost();
    expect(host.identity.natsUrls).toEqual([natsTlsUrl]);
    expect(readFileSync(join(host.dataDir, 'nats-ca.pem'), 'utf8').trim()).toBe(readFileSync(tls.caFile, 'utf8').trim());

    const runner = startRunner(['--config', host.config], { SWITCHYARD_RUNNER_HEARTBEAT_SECONDS: '0.5' });
    running.push(runner);
    await waitFor(
      async () => (await gql<{ runner: { status: string } }>(RUNNER, { id: host.identity.runnerId })).runner.status === 'HEALTHY',
      20_000,
      () => `the runner HEALTHY in GraphQL (runner stderr: ${runner.stderr()}, logs: ${JSON.stringify(runner.logs().slice(-3))})`,
    );
    // nats-server's view of the runner's connection: TLS negotiated.
    const connection = await connectionOf(host.identity.publicKey);
    expect(connection).toMatchObject({ name: `switchyard-runner ${host.identity.runnerId}`, tlsVersion: expect.stringMatching(/^1\.[23]$/) });
  }, SLOW);

  it('a runner told to trust another CA does not connect and says why in its log', async () => {
    const wrongCaDir = join(dir, 'wrong-ca');
    mkdirSync(wrongCaDir);
    const wrongCa = join(dir, 'wrong-ca.pem');
    copyFileSync(writeTestCa(wrongCaDir), wrongCa);
    // tls.caFile wins over the CA received at enrollment (an operator pointing at the wrong bundle).
    const host = await enrollHost({ tls: { caFile: wrongCa } });

    const runner = startRunner(['--config', host.config], { SWITCHYARD_RUNNER_HEARTBEAT_SECONDS: '0.5' });
    running.push(runner);
    const isTrustWarning = (line: Record<string, unknown>) => typeof line.msg === 'string' && line.msg.startsWith("the NATS server's TLS certificate is not trusted");
    await waitFor(async () => runner.logs().some(isTrustWarning), 20_000, () => `the retry warning (stderr: ${runner.stderr()})`);
    const warning = runner.logs().find(isTrustWarning);
    expect(warning).toMatchObject({ level: 40, err: 'unable to verify the first certificate', msg: expect.stringMatching(/check tls\.caFile.*; retrying$/) });
    // It keeps trying (the certificate may be fixed on either side) but never gets in.
    expect(runner.child.exitCode).toBeNull();
    expect(await connectionOf(host.identity.publicKey)).toBeUndefined();
    expect(runner.logs().map((line) => line.msg)).not.toContain('connected to NATS');
  }, SLOW);
});

function runControlPlaneCli(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolveRun, reject) => {
    execFile(process.execPath, [CONTROL_PLANE_CLI, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`switchyard ${args.join(' ')} failed: ${stderr || error.message}`));
      else resolveRun(stdout);
    });
  });
}

async function waitFor(condition: () => Promise<boolean> | boolean, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(condition).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
