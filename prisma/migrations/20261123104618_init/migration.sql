-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "NodepoolKind" AS ENUM ('SAAS', 'VPC', 'ON_PREM');

-- CreateEnum
CREATE TYPE "RunnerStatus" AS ENUM ('ENROLLED', 'HEALTHY', 'UNHEALTHY', 'OFFLINE', 'DRAINING');

-- CreateEnum
CREATE TYPE "ApiKeyRole" AS ENUM ('ADMIN', 'OPERATOR', 'VIEWER', 'AGENT');

-- CreateEnum
CREATE TYPE "TransportKind" AS ENUM ('STDIO', 'STREAMABLE_HTTP');

-- CreateEnum
CREATE TYPE "RouterKind" AS ENUM ('WEIGHTED', 'THOMPSON', 'UCB1', 'EPSILON_GREEDY');

-- CreateEnum
CREATE TYPE "RolloutPhase" AS ENUM ('PILOT', 'SHADOW', 'CANARY', 'BANDIT', 'DECISION', 'PROMOTED', 'PAUSED', 'ROLLED_BACK', 'ABORTED');

-- CreateEnum
CREATE TYPE "RolloutActorType" AS ENUM ('USER', 'ANALYSIS');

-- CreateEnum
CREATE TYPE "ToolCallOutcome" AS ENUM ('PENDING', 'OK', 'TOOL_ERROR', 'RPC_ERROR', 'TIMEOUT', 'CANCELLED', 'DENIED', 'INTERRUPTED');

-- CreateTable
CREATE TABLE "Nodepool" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "NodepoolKind" NOT NULL,
    "region" TEXT NOT NULL,
    "jurisdiction" TEXT NOT NULL,
    "costPerCall" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "labels" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Nodepool_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Runner" (
    "id" UUID NOT NULL,
    "nodepoolId" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "publicKey" TEXT NOT NULL,
    "version" TEXT,
    "status" "RunnerStatus" NOT NULL DEFAULT 'ENROLLED',
    "lastSeenAt" TIMESTAMP(3),
    "capacity" INTEGER NOT NULL DEFAULT 0,
    "gpus" JSONB NOT NULL DEFAULT '[]',
    "labels" JSONB NOT NULL DEFAULT '{}',
    "fencedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "enrolledAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Runner_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "McpServer" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "McpServer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "McpServerVersion" (
    "id" UUID NOT NULL,
    "serverId" UUID NOT NULL,
    "version" TEXT NOT NULL,
    "transport" "TransportKind" NOT NULL,
    "command" TEXT,
    "args" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "env" JSONB NOT NULL DEFAULT '{}',
    "secretEnv" JSONB NOT NULL DEFAULT '{}',
    "url" TEXT,
    "artifactIntegrity" TEXT,
    "stateless" BOOLEAN NOT NULL DEFAULT false,
    "toolsHash" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "McpServerVersion_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Secret" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "ciphertext" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Secret_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Deployment" (
    "id" UUID NOT NULL,
    "versionId" UUID NOT NULL,
    "nodepoolId" UUID NOT NULL,
    "replicas" INTEGER NOT NULL DEFAULT 1,
    "gpuCount" INTEGER NOT NULL DEFAULT 0,
    "gpuModel" TEXT,
    "gpuMinMemoryMiB" INTEGER,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Deployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Placement" (
    "id" UUID NOT NULL,
    "deploymentId" UUID NOT NULL,
    "runnerId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Placement_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RoutePolicy" (
    "id" UUID NOT NULL,
    "serverId" UUID NOT NULL,
    "allowedJurisdictions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "allowedRegions" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "allowedKinds" "NodepoolKind"[] DEFAULT ARRAY[]::"NodepoolKind"[],
    "failoverOrder" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "retryMaxAttempts" INTEGER NOT NULL DEFAULT 0,
    "retryBudgetRatio" DOUBLE PRECISION NOT NULL DEFAULT 0.1,
    "routerKind" "RouterKind" NOT NULL DEFAULT 'WEIGHTED',
    "routerParams" JSONB NOT NULL DEFAULT '{}',
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RoutePolicy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Rollout" (
    "id" UUID NOT NULL,
    "serverId" UUID NOT NULL,
    "championVersionId" UUID NOT NULL,
    "challengerVersionId" UUID NOT NULL,
    "phase" "RolloutPhase" NOT NULL DEFAULT 'PILOT',
    "pausedFromPhase" "RolloutPhase",
    "weights" JSONB NOT NULL DEFAULT '{}',
    "gateConfig" JSONB NOT NULL DEFAULT '{}',
    "phaseStartedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "Rollout_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RolloutEvent" (
    "id" UUID NOT NULL,
    "rolloutId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "kind" TEXT NOT NULL,
    "fromPhase" "RolloutPhase",
    "toPhase" "RolloutPhase",
    "weights" JSONB,
    "reason" TEXT NOT NULL,
    "metrics" JSONB,
    "actorType" "RolloutActorType" NOT NULL,
    "actorKeyId" TEXT,

    CONSTRAINT "RolloutEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ToolInvocation" (
    "callId" TEXT NOT NULL,
    "apiKeyId" TEXT,
    "sessionId" TEXT,
    "traceId" TEXT,
    "serverName" TEXT NOT NULL,
    "versionId" TEXT,
    "runnerId" TEXT,
    "nodepoolId" TEXT,
    "rolloutId" TEXT,
    "arm" TEXT,
    "propensity" DOUBLE PRECISION,
    "tool" TEXT NOT NULL,
    "argumentsHmac" TEXT,
    "shadow" BOOLEAN NOT NULL DEFAULT false,
    "outcome" "ToolCallOutcome" NOT NULL DEFAULT 'PENDING',
    "errorCode" TEXT,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),
    "latencyMs" INTEGER,

    CONSTRAINT "ToolInvocation_pkey" PRIMARY KEY ("callId")
);

-- CreateTable
CREATE TABLE "AdminEvent" (
    "id" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actorKeyId" TEXT,
    "actorName" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT NOT NULL,
    "targetId" TEXT,
    "details" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "AdminEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ApiKey" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "role" "ApiKeyRole" NOT NULL,
    "scopes" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "allowedServers" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "allowedTools" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "expiresAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "createdByKeyId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ApiKey_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "EnrollmentToken" (
    "id" UUID NOT NULL,
    "nodepoolId" UUID NOT NULL,
    "prefix" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "expiresAt" TIMESTAMP(3) NOT NULL,
    "usedAt" TIMESTAMP(3),
    "usedByRunnerId" TEXT,
    "revokedAt" TIMESTAMP(3),
    "createdByKeyId" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EnrollmentToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NatsAccountState" (
    "accountPublicKey" TEXT NOT NULL,
    "limits" JSONB NOT NULL DEFAULT '{}',
    "signingKeys" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "revocations" JSONB NOT NULL DEFAULT '{}',
    "jwt" TEXT,
    "revision" INTEGER NOT NULL DEFAULT 0,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "NatsAccountState_pkey" PRIMARY KEY ("accountPublicKey")
);

-- CreateIndex
CREATE UNIQUE INDEX "Nodepool_name_key" ON "Nodepool"("name");

-- CreateIndex
CREATE INDEX "Nodepool_kind_idx" ON "Nodepool"("kind");

-- CreateIndex
CREATE UNIQUE INDEX "Runner_publicKey_key" ON "Runner"("publicKey");

-- CreateIndex
CREATE UNIQUE INDEX "Runner_nodepoolId_name_key" ON "Runner"("nodepoolId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "McpServer_name_key" ON "McpServer"("name");

-- CreateIndex
CREATE UNIQUE INDEX "McpServerVersion_serverId_version_key" ON "McpServerVersion"("serverId", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Secret_name_key" ON "Secret"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Deployment_versionId_nodepoolId_key" ON "Deployment"("versionId", "nodepoolId");

-- CreateIndex
CREATE INDEX "Placement_runnerId_idx" ON "Placement"("runnerId");

-- CreateIndex
CREATE UNIQUE INDEX "Placement_deploymentId_runnerId_key" ON "Placement"("deploymentId", "runnerId");

-- CreateIndex
CREATE UNIQUE INDEX "RoutePolicy_serverId_key" ON "RoutePolicy"("serverId");

-- CreateIndex
CREATE INDEX "Rollout_serverId_phase_idx" ON "Rollout"("serverId", "phase");

-- CreateIndex
CREATE INDEX "RolloutEvent_rolloutId_at_idx" ON "RolloutEvent"("rolloutId", "at");

-- CreateIndex
CREATE INDEX "ToolInvocation_startedAt_idx" ON "ToolInvocation"("startedAt");

-- CreateIndex
CREATE INDEX "ToolInvocation_serverName_startedAt_idx" ON "ToolInvocation"("serverName", "startedAt");

-- CreateIndex
CREATE INDEX "ToolInvocation_apiKeyId_startedAt_idx" ON "ToolInvocation"("apiKeyId", "startedAt");

-- CreateIndex
CREATE INDEX "AdminEvent_at_idx" ON "AdminEvent"("at");

-- CreateIndex
CREATE INDEX "AdminEvent_targetType_targetId_idx" ON "AdminEvent"("targetType", "targetId");

-- CreateIndex
CREATE UNIQUE INDEX "ApiKey_hash_key" ON "ApiKey"("hash");

-- CreateIndex
CREATE INDEX "ApiKey_role_idx" ON "ApiKey"("role");

-- CreateIndex
CREATE UNIQUE INDEX "EnrollmentToken_hash_key" ON "EnrollmentToken"("hash");

-- CreateIndex
CREATE INDEX "EnrollmentToken_nodepoolId_idx" ON "EnrollmentToken"("nodepoolId");

-- AddForeignKey
ALTER TABLE "Runner" ADD CONSTRAINT "Runner_nodepoolId_fkey" FOREIGN KEY ("nodepoolId") REFERENCES "Nodepool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "McpServerVersion" ADD CONSTRAINT "McpServerVersion_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_versionId_fkey" FOREIGN KEY ("versionId") REFERENCES "McpServerVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_nodepoolId_fkey" FOREIGN KEY ("nodepoolId") REFERENCES "Nodepool"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Placement" ADD CONSTRAINT "Placement_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Placement" ADD CONSTRAINT "Placement_runnerId_fkey" FOREIGN KEY ("runnerId") REFERENCES "Runner"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoutePolicy" ADD CONSTRAINT "RoutePolicy_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_serverId_fkey" FOREIGN KEY ("serverId") REFERENCES "McpServer"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_championVersionId_fkey" FOREIGN KEY ("championVersionId") REFERENCES "McpServerVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Rollout" ADD CONSTRAINT "Rollout_challengerVersionId_fkey" FOREIGN KEY ("challengerVersionId") REFERENCES "McpServerVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RolloutEvent" ADD CONSTRAINT "RolloutEvent_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES "Rollout"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EnrollmentToken" ADD CONSTRAINT "EnrollmentToken_nodepoolId_fkey" FOREIGN KEY ("nodepoolId") REFERENCES "Nodepool"("id") ON DELETE CASCADE ON UPDATE CASCADE;
