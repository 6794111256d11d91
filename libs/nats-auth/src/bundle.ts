import { encodeOperator, encodeUser } from '@nats-io/jwt';
import { signAccountJwt } from './account-jwt.js';
import type { NatsAuthBundle } from './bundle-schema.js';
import { seedText } from './keys.js';
import { NativeKeyPair } from './native-key-pair.js';
import { UNLIMITED_ACCOUNT_LIMITS } from './limits.js';
import { credsText, signUserJwt } from './user-jwt.js';

export const SYSTEM_ACCOUNT_NAME = 'SYS';
export const APP_ACCOUNT_NAME = 'APP';
export const CONTROL_PLANE_USER_NAME = 'switchyard-control-plane';
export const SYSTEM_USER_NAME = 'switchyard-control-plane-sys';

export interface CreatedNatsAuth {
  bundle: NatsAuthBundle;
  /**
   * The operator's root seed. It signed the operator JWT and nothing else; keep it offline (it
   * is needed only to issue a new operator JWT, e.g. to replace a leaked operator signing key).
   */
  operatorRootSeed: string;
}

/**
 * Creates, once per installation, an operator (with a signing key), the system account SYS, the
 * application account APP (with a signing key) and a user in each for the control plane.
 */
export async function createNatsAuthBundle(options: { operatorName?: string; now?: Date } = {}): Promise<CreatedNatsAuth> {
  const operator = NativeKeyPair.create('operator');
  const operatorSigning = NativeKeyPair.create('operator');
  const sys = NativeKeyPair.create('account');
  const app = NativeKeyPair.create('account');
  const appSigning = NativeKeyPair.create('account');
  const operatorSigningSeed = seedText(operatorSigning);
  const appSigningSeed = seedText(appSigning);

  const operatorJwt = await encodeOperator(options.operatorName ?? 'switchyard', operator, {
    signing_keys: [operatorSigning.getPublicKey()],
    system_account: sys.getPublicKey(),
  });
  const limits = { ...UNLIMITED_ACCOUNT_LIMITS };
  const sysJwt = await signAccountJwt(
    { name: SYSTEM_ACCOUNT_NAME, publicKey: sys.getPublicKey(), limits, signingKeys: [], revocations: {} },
    operatorSigningSeed,
  );
  const appJwt = await signAccountJwt(
    { name: APP_ACCOUNT_NAME, publicKey: app.getPublicKey(), limits, signingKeys: [appSigning.getPublicKey()], revocations: {} },
    operatorSigningSeed,
  );

  const controlPlaneUser = NativeKeyPair.create('user');
  const controlPlaneJwt = await signUserJwt({
    name: CONTROL_PLANE_USER_NAME,
    userPublicKey: controlPlaneUser.getPublicKey(),
    accountPublicKey: app.getPublicKey(),
    accountSigningSeed: appSigningSeed,
  });
  // SYS has no signing key: its identity key signs this one user and is then thrown away.
  const systemUser = NativeKeyPair.create('user');
  const systemJwt = await encodeUser(SYSTEM_USER_NAME, systemUser, sys);

  return {
    bundle: {
      version: 1,
      createdAt: (options.now ?? new Date()).toISOString(),
      operator: { name: options.operatorName ?? 'switchyard', jwt: operatorJwt, signingSeed: operatorSigningSeed },
      systemAccount: { publicKey: sys.getPublicKey(), jwt: sysJwt },
      appAccount: { publicKey: app.getPublicKey(), jwt: appJwt, signingSeed: appSigningSeed },
      controlPlaneUser: { creds: credsText(controlPlaneJwt, controlPlaneUser) },
      systemUser: { creds: credsText(systemJwt, systemUser) },
    },
    operatorRootSeed: seedText(operator),
  };
}
