import { AdminEventsResolver } from '../admin-events/admin-events.resolver.js';
import { ApiKeysResolver } from '../api-keys/api-keys.resolver.js';
import { NodepoolsResolver } from '../nodepools/nodepools.resolver.js';
import { SecretsResolver } from '../secrets/secrets.resolver.js';
import { EnrollmentTokensResolver } from '../enrollment/enrollment-tokens.resolver.js';
import { RunnersResolver } from '../runners/runners.resolver.js';
import { ServersResolver } from '../servers/servers.resolver.js';
import { ServerVersionsResolver } from '../servers/server-versions.resolver.js';
import { DeploymentsResolver } from '../deployments/deployments.resolver.js';
import { PoliciesResolver } from '../policies/policies.resolver.js';
import { ServerRoutePolicyResolver } from '../policies/server-route-policy.resolver.js';
import { RunnerRevocationResolver } from '../enrollment/runner-revocation.resolver.js';
import { DeploymentPlacementResolver } from '../placement/deployment-placement.resolver.js';
import { RunnerDrainResolver } from '../runners/runner-drain.resolver.js';
import { RolloutsResolver } from '../rollouts/rollouts.resolver.js';
import { ShadowResolver } from '../shadow/shadow.resolver.js';
import { AuditResolver } from '../audit/audit.resolver.js';

/**
 * Every resolver of the admin API. The schema file is generated from this list; an e2e test
 * checks that the running app's schema equals the committed file, so a resolver missing
 * here is caught.
 */
export const ALL_RESOLVERS = [AdminEventsResolver, ApiKeysResolver, NodepoolsResolver, SecretsResolver, EnrollmentTokensResolver, RunnersResolver, ServersResolver, ServerVersionsResolver, DeploymentsResolver, PoliciesResolver, ServerRoutePolicyResolver, RunnerRevocationResolver, DeploymentPlacementResolver, RunnerDrainResolver, RolloutsResolver, ShadowResolver, AuditResolver] as const;
