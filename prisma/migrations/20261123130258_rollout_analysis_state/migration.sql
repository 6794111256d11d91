-- AlterTable
ALTER TABLE "Rollout" ADD COLUMN     "canaryStep" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "lastAnalysisTickAt" TIMESTAMP(3),
ADD COLUMN     "lastAssessment" JSONB,
ADD COLUMN     "stepStartedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
ADD COLUMN     "toolsHashChallenger" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "toolsHashChampion" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "version" INTEGER NOT NULL DEFAULT 0;

-- CreateIndex
CREATE INDEX "Rollout_updatedAt_idx" ON "Rollout"("updatedAt");

-- CreateIndex
CREATE INDEX "RolloutEvent_at_idx" ON "RolloutEvent"("at");

-- One active rollout per server, in the database so that two operators (or replicas) starting a
-- rollout at the same moment cannot both succeed. Prisma cannot express a partial index; this one
-- is added by hand (db:check compares tables, columns and Prisma-expressible indexes only).
CREATE UNIQUE INDEX "Rollout_one_active_per_server" ON "Rollout"("serverId") WHERE "phase" NOT IN ('PROMOTED', 'ROLLED_BACK', 'ABORTED');
