-- CreateTable
CREATE TABLE "RunnerAssignment" (
    "runnerId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "digest" TEXT NOT NULL,
    "sentAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "RunnerAssignment_pkey" PRIMARY KEY ("runnerId")
);

-- CreateTable
CREATE TABLE "PlacementShortfall" (
    "deploymentId" UUID NOT NULL,
    "missing" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,
    "since" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "PlacementShortfall_pkey" PRIMARY KEY ("deploymentId")
);

-- AddForeignKey
ALTER TABLE "RunnerAssignment" ADD CONSTRAINT "RunnerAssignment_runnerId_fkey" FOREIGN KEY ("runnerId") REFERENCES "Runner"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlacementShortfall" ADD CONSTRAINT "PlacementShortfall_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
