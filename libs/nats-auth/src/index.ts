// NATS operator (JWT) mode for Switchyard: the auth bundle, the nats-server config fragment and
// JWT signing. Shared by the control plane (production) and libs/devstack (demo, tests); it only
// needs @nats-io/jwt (which carries nkeys), zod and node:crypto, and does no I/O itself.
export { createNatsAuthBundle, APP_ACCOUNT_NAME, SYSTEM_ACCOUNT_NAME, CONTROL_PLANE_USER_NAME, SYSTEM_USER_NAME, type CreatedNatsAuth } from './bundle.js';
export { natsAuthBundleSchema, type NatsAuthBundle } from './bundle-schema.js';
export { parseNatsAuthBundle, bundleConsistencyProblems, type BundleParseResult } from './bundle-check.js';
export { renderNatsServerConfig, type NatsServerConfigOptions } from './server-config.js';
export { signAccountJwt, decodeAccountJwt, withRevocation, type AccountState, type AccountLimits, type Revocations } from './account-jwt.js';
export { signUserJwt, credsText, createUserCreds, userClaimsOfCreds, type UserJwtRequest } from './user-jwt.js';
export { UNLIMITED_ACCOUNT_LIMITS } from './limits.js';
export { decodeJwt } from './jwt-decode.js';
export { keyPairFromSeed, publicKeyOfSeed, isPublicKey, seedText } from './keys.js';
