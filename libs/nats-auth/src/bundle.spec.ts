import { decode, type Account, type ClaimsData, type Operator, type User } from '@nats-io/jwt';
import { createNatsAuthBundle, type CreatedNatsAuth } from './bundle.js';
import { parseNatsAuthBundle } from './bundle-check.js';
import { publicKeyOfSeed } from './keys.js';
import { UNLIMITED_ACCOUNT_LIMITS } from './limits.js';
import { userClaimsOfCreds } from './user-jwt.js';

const claims = <T>(jwt: string) => decode<T>(jwt) as ClaimsData<T>;
const userOf = (creds: string): ClaimsData<User> => {
  const result = userClaimsOfCreds(creds);
  if (result instanceof Error) throw result;
  return result;
};

describe('createNatsAuthBundle', () => {
  let created: CreatedNatsAuth;
  beforeAll(async () => {
    created = await createNatsAuthBundle({ operatorName: 'acme' });
  });

  it('creates an operator whose root key signs only the operator JWT', () => {
    const { bundle, operatorRootSeed } = created;
    const operator = claims<Operator>(bundle.operator.jwt);
    const rootPublicKey = publicKeyOfSeed(operatorRootSeed, 'operator');
    const signingPublicKey = publicKeyOfSeed(bundle.operator.signingSeed, 'operator');

    expect(operator.name).toBe('acme');
    expect(operator.sub).toBe(rootPublicKey);
    expect(operator.iss).toBe(rootPublicKey);
    expect(operator.nats.signing_keys).toEqual([signingPublicKey]);
    expect(signingPublicKey).not.toBe(rootPublicKey);
    expect(operator.nats.system_account).toBe(bundle.systemAccount.publicKey);
    // Both accounts are signed with the signing key, never with the root.
    expect(claims<Account>(bundle.systemAccount.jwt).iss).toBe(signingPublicKey);
    expect(claims<Account>(bundle.appAccount.jwt).iss).toBe(signingPublicKey);
    // The root seed is handed back once and is not part of the bundle.
    expect(JSON.stringify(bundle)).not.toContain(operatorRootSeed);
  });

  it('gives both accounts explicit -1 limits, and APP (only) a signing key', () => {
    const { bundle } = created;
    const sys = claims<Account>(bundle.systemAccount.jwt);
    const app = claims<Account>(bundle.appAccount.jwt);
    for (const account of [sys, app]) {
      expect(account.nats.limits).toEqual({ subs: -1, data: -1, payload: -1, imports: -1, exports: -1, wildcards: true, conn: -1, leaf: -1 });
    }
    expect(UNLIMITED_ACCOUNT_LIMITS.conn).toBe(-1);
    expect([sys.name, sys.sub]).toEqual(['SYS', bundle.systemAccount.publicKey]);
    expect([app.name, app.sub]).toEqual(['APP', bundle.appAccount.publicKey]);
    expect(app.nats.signing_keys).toEqual([publicKeyOfSeed(bundle.appAccount.signingSeed, 'account')]);
    expect(sys.nats.signing_keys).toBeUndefined();
    expect(app.nats.revocations).toBeUndefined();
  });

  it('creates the control-plane user in APP (via the signing key) and the system user in SYS, without expiry', () => {
    const { bundle } = created;
    const controlPlane = userOf(bundle.controlPlaneUser.creds);
    expect(controlPlane.nats.issuer_account).toBe(bundle.appAccount.publicKey);
    expect(controlPlane.iss).toBe(publicKeyOfSeed(bundle.appAccount.signingSeed, 'account'));
    // No permissions claim: unrestricted within APP (it talks to every runner).
    expect(controlPlane.nats.pub).toBeUndefined();
    expect(controlPlane.nats.sub).toBeUndefined();
    expect(controlPlane.exp).toBeUndefined();

    const system = userOf(bundle.systemUser.creds);
    expect(system.iss).toBe(bundle.systemAccount.publicKey);
    expect(system.exp).toBeUndefined();
    expect(controlPlane.sub).not.toBe(system.sub);
  });

  it('round-trips through JSON and passes its own checks; every call makes new keys', async () => {
    const first = created;
    const second = await createNatsAuthBundle();
    const parsed = parseNatsAuthBundle(JSON.stringify(first.bundle));
    expect(parsed.problems).toBeUndefined();
    expect(parsed.bundle).toEqual(first.bundle);
    expect(second.bundle.appAccount.publicKey).not.toBe(first.bundle.appAccount.publicKey);
    expect(second.bundle.operator.signingSeed).not.toBe(first.bundle.operator.signingSeed);
  });
});
