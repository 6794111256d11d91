import { signAccountJwt } from './account-jwt.js';
import { createNatsAuthBundle } from './bundle.js';
import { parseNatsAuthBundle } from './bundle-check.js';
import type { NatsAuthBundle } from './bundle-schema.js';

const problemsOf = (value: unknown): string[] => parseNatsAuthBundle(typeof value === 'string' ? value : JSON.stringify(value)).problems ?? [];

describe('parseNatsAuthBundle', () => {
  let bundle: NatsAuthBundle;
  let other: NatsAuthBundle;
  beforeAll(async () => {
    bundle = (await createNatsAuthBundle()).bundle;
    other = (await createNatsAuthBundle()).bundle;
  });

  it('says when the file is not JSON', () => {
    expect(problemsOf('{ nope')).toEqual([expect.stringMatching(/^not valid JSON/)]);
  });

  it('names each missing or malformed field on its own line, without echoing values', () => {
    const broken = {
      ...bundle,
      version: 2,
      operator: { ...bundle.operator, signingSeed: bundle.appAccount.signingSeed },
      appAccount: { publicKey: 'AXXX', jwt: bundle.appAccount.jwt },
      systemUser: undefined,
    };
    const problems = problemsOf(broken);
    expect(problems).toEqual([
      'version: expected 1 (the only bundle version)',
      'operator.signingSeed: expected an operator seed (SO…)',
      'appAccount.publicKey: expected an account public key (A…)',
      expect.stringMatching(/^appAccount\.signingSeed: /),
      expect.stringMatching(/^systemUser: /),
    ]);
    expect(problems.join('\n')).not.toContain(bundle.appAccount.signingSeed);
  });

  it('refuses pieces from two different installations', () => {
    const mixed: NatsAuthBundle = {
      ...bundle,
      operator: { ...bundle.operator, signingSeed: other.operator.signingSeed },
      appAccount: { ...bundle.appAccount, signingSeed: other.appAccount.signingSeed },
      controlPlaneUser: other.controlPlaneUser,
      systemAccount: { ...bundle.systemAccount, jwt: other.systemAccount.jwt },
    };
    expect(problemsOf(mixed)).toEqual([
      "operator.signingSeed: not one of the operator JWT's signing keys",
      'systemAccount.jwt: is the JWT of another account than systemAccount.publicKey',
      'systemAccount.jwt: not signed by this operator',
      "appAccount.signingSeed: not one of the APP account JWT's signing keys",
      'controlPlaneUser.creds: the user belongs to another account',
    ]);
  });

  it('refuses a tampered JWT and an account JWT without limits', async () => {
    const [header, payload, signature] = bundle.appAccount.jwt.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { name: string };
    claims.name = 'EVIL';
    const tampered = [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
    expect(problemsOf({ ...bundle, appAccount: { ...bundle.appAccount, jwt: tampered } })).toEqual([
      expect.stringMatching(/^appAccount\.jwt: does not verify/),
    ]);

    const noLimits = await signAccountJwt(
      { name: 'APP', publicKey: bundle.appAccount.publicKey, limits: {}, signingKeys: [], revocations: {} },
      bundle.operator.signingSeed,
    );
    const problems = problemsOf({ ...bundle, appAccount: { ...bundle.appAccount, jwt: noLimits } });
    expect(problems).toContain('appAccount.jwt: has no connection limit (needs -1 or a positive number)');
  });

  it('accepts a consistent bundle', () => {
    expect(problemsOf(bundle)).toEqual([]);
  });
});
