import { NodepoolsModule } from './nodepools/nodepools.module.js';
import { SecretsModule } from './secrets/secrets.module.js';
import { EnrollmentModule } from './enrollment/enrollment.module.js';
import { RunnersModule } from './runners/runners.module.js';
import { ServersModule } from './servers/servers.module.js';
import { DeploymentsModule } from './deployments/deployments.module.js';
import { PoliciesModule } from './policies/policies.module.js';
import { PlacementModule } from './placement/placement.module.js';
import { RolloutsModule } from './rollouts/rollouts.module.js';
import { AuditModule } from './audit/audit.module.js';

/** The admin API's domain modules: one per concept (nodepools, servers, deployments, …). */
export const DOMAIN_MODULES = [NodepoolsModule, SecretsModule, EnrollmentModule, RunnersModule, ServersModule, DeploymentsModule, PoliciesModule, PlacementModule, RolloutsModule, AuditModule];
