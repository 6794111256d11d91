-- AlterTable
ALTER TABLE "Placement" ADD COLUMN     "gpuIndexes" INTEGER[] DEFAULT ARRAY[]::INTEGER[];
