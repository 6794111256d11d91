import type { ClaimsData, Operator } from '@nats-io/jwt';
import { decodeAccountJwt } from './account-jwt.js';
import { natsAuthBundleSchema, type NatsAuthBundle } from './bundle-schema.js';
import { decodeJwt } from './jwt-decode.js';
import { publicKeyOfSeed } from './keys.js';
import { userClaimsOfCreds } from './user-jwt.js';

export type BundleParseResult = { bundle: NatsAuthBundle; problems?: undefined } | { bundle?: undefined; problems: string[] };

/** Parses and checks `nats-auth.json`: one line per problem, each naming the field. */
export function parseNatsAuthBundle(text: string): BundleParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    return { problems: [`not valid JSON (${(error as Error).message})`] };
  }
  const parsed = natsAuthBundleSchema.safeParse(json);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((issue) => `${issue.path.join('.') || '(bundle)'}: ${issue.message}`) };
  }
  const problems = bundleConsistencyProblems(parsed.data);
  return problems.length > 0 ? { problems } : { bundle: parsed.data };
}

/**
 * Checks that the pieces belong together: signatures verify, each seed is a signing key its JWT
 * lists, accounts are signed by this operator, users by their account. A bundle stitched together
 * from two `nats init` runs fails here instead of with "Authorization Violation" at connect time.
 */
export function bundleConsistencyProblems(bundle: NatsAuthBundle): string[] {
  const problems: string[] = [];
  let operator: ClaimsData<Operator> | undefined;
  try {
    operator = decodeJwt<Operator>(bundle.operator.jwt);
    if (operator.nats.type !== 'operator') problems.push('operator.jwt: not an operator JWT');
  } catch (error) {
    problems.push(`operator.jwt: does not verify (${(error as Error).message})`);
  }
  const operatorKeys = operator ? [operator.sub, ...(operator.nats.signing_keys ?? []).map(String)] : [];
  if (operator && !operatorKeys.slice(1).includes(publicKeyOfSeed(bundle.operator.signingSeed, 'operator') ?? '')) {
    problems.push("operator.signingSeed: not one of the operator JWT's signing keys");
  }
  const accountKeys = (field: 'systemAccount' | 'appAccount'): string[] => {
    const { publicKey, jwt } = bundle[field];
    try {
      const account = decodeAccountJwt(jwt);
      if (account.publicKey !== publicKey) problems.push(`${field}.jwt: is the JWT of another account than ${field}.publicKey`);
      if (operator && !operatorKeys.includes(account.issuer)) problems.push(`${field}.jwt: not signed by this operator`);
      // Unset means 0 to nats-server: it would accept the account and refuse every connection.
      if (!account.limits.conn) problems.push(`${field}.jwt: has no connection limit (needs -1 or a positive number)`);
      return [publicKey, ...account.signingKeys];
    } catch (error) {
      problems.push(`${field}.jwt: does not verify (${(error as Error).message})`);
      return [];
    }
  };
  const sysKeys = accountKeys('systemAccount');
  const appKeys = accountKeys('appAccount');
  if (appKeys.length > 0 && !appKeys.slice(1).includes(publicKeyOfSeed(bundle.appAccount.signingSeed, 'account') ?? '')) {
    problems.push("appAccount.signingSeed: not one of the APP account JWT's signing keys");
  }
  checkUser(problems, 'controlPlaneUser.creds', bundle.controlPlaneUser.creds, bundle.appAccount.publicKey, appKeys);
  checkUser(problems, 'systemUser.creds', bundle.systemUser.creds, bundle.systemAccount.publicKey, sysKeys);
  return problems;
}

function checkUser(problems: string[], field: string, creds: string, accountPublicKey: string, accountKeys: string[]): void {
  const claims = userClaimsOfCreds(creds);
  if (claims instanceof Error) {
    problems.push(`${field}: ${claims.message}`);
    return;
  }
  const account = claims.nats.issuer_account ?? claims.iss;
  if (account !== accountPublicKey || (accountKeys.length > 0 && !accountKeys.includes(claims.iss))) {
    problems.push(`${field}: the user belongs to another account`);
  }
  if (claims.exp !== undefined && claims.exp * 1000 < Date.now()) problems.push(`${field}: the user JWT has expired`);
}

