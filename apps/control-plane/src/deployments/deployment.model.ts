import { ArgsType, Field, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsOptional, IsString, IsUUID, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { Connection, PageArgs } from '../graphql/pagination.js';
import { ID_MESSAGE } from '../servers/server-version.model.js';

export const MAX_REPLICAS = 100;
const MAX_GPUS = 16;
/** 1 TiB: above any GPU made, low enough to catch a value given in bytes by mistake. */
const MAX_GPU_MEMORY_MIB = 1_048_576;

@ObjectType('Placement', { description: 'A replica of a deployment, assigned to a runner by the control plane.' })
export class PlacementModel {
  @Field(() => ID) runnerId!: string;
  @Field(() => [Int], { description: 'GPU indexes on the runner reserved for this replica.' }) gpuIndexes!: number[];
  @Field() createdAt!: Date;
}

@ObjectType('Deployment', { description: 'A server version wanted on a nodepool: how many replicas, and which GPUs they need.' })
export class DeploymentModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) versionId!: string;
  @Field(() => ID) nodepoolId!: string;
  @Field(() => Int) replicas!: number;
  @Field(() => Int, { description: 'GPUs each replica needs (0 = none).' }) gpuCount!: number;
  @Field(() => String, { nullable: true, description: 'Required GPU model, e.g. A100; null = any.' }) gpuModel!: string | null;
  @Field(() => Int, { nullable: true, description: 'Least memory per GPU, in MiB; null = any.' }) gpuMinMemoryMiB!: number | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export const DeploymentConnection = Connection(DeploymentModel, 'Deployment');

@InputType()
export class CreateDeploymentInput {
  @Field(() => ID) @IsUUID('loose', { message: ID_MESSAGE }) versionId!: string;
  @Field(() => ID) @IsUUID('loose', { message: ID_MESSAGE }) nodepoolId!: string;
  @Field(() => Int, { nullable: true, defaultValue: 1 }) @IsOptional() @Min(1) @Max(MAX_REPLICAS) replicas?: number;
  @Field(() => Int, { nullable: true, defaultValue: 0 }) @IsOptional() @Min(0) @Max(MAX_GPUS) gpuCount?: number;
  @Field({ nullable: true }) @IsOptional() @IsString() @MinLength(1) @MaxLength(64) gpuModel?: string;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(MAX_GPU_MEMORY_MIB) gpuMinMemoryMiB?: number;
}

/** `null` clears gpuModel or gpuMinMemoryMiB; an absent field stays as it is. */
@InputType()
export class UpdateDeploymentInput {
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(MAX_REPLICAS) replicas?: number | null;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) @Max(MAX_GPUS) gpuCount?: number | null;
  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MinLength(1) @MaxLength(64) gpuModel?: string | null;
  @Field(() => Int, { nullable: true }) @IsOptional() @Min(1) @Max(MAX_GPU_MEMORY_MIB) gpuMinMemoryMiB?: number | null;
}

@InputType()
export class DeploymentFilterInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID('loose', { message: ID_MESSAGE }) nodepoolId?: string;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID('loose', { message: ID_MESSAGE }) versionId?: string;
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID('loose', { message: ID_MESSAGE }) serverId?: string;
}

@ArgsType()
export class DeploymentsArgs extends PageArgs {
  @Field(() => DeploymentFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => DeploymentFilterInput)
  filter?: DeploymentFilterInput;
}
