-- AlterTable
ALTER TABLE "Rollout" ADD COLUMN     "shadowTools" TEXT[] DEFAULT ARRAY[]::TEXT[];

-- CreateTable
CREATE TABLE "ShadowComparison" (
    "id" UUID NOT NULL,
    "rolloutId" UUID NOT NULL,
    "tool" TEXT NOT NULL,
    "verdict" TEXT NOT NULL,
    "reason" TEXT,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ShadowComparison_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ShadowComparison_rolloutId_at_idx" ON "ShadowComparison"("rolloutId", "at");

-- AddForeignKey
ALTER TABLE "ShadowComparison" ADD CONSTRAINT "ShadowComparison_rolloutId_fkey" FOREIGN KEY ("rolloutId") REFERENCES "Rollout"("id") ON DELETE CASCADE ON UPDATE CASCADE;
