import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { NodepoolKind, RouterKind } from '@switchyard/db';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsEnum,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { JSONObjectScalar } from '../graphql/json-object.scalar.js';
import { Connection, PageArgs } from '../graphql/pagination.js';
// Also registers the NodepoolKind enum this file's fields use.
import '../nodepools/nodepool.model.js';
import { ID_MESSAGE } from '../servers/server-version.model.js';

registerEnumType(RouterKind, {
  name: 'RouterKind',
  description: 'How traffic is split among eligible versions: fixed WEIGHTED shares, or a bandit (THOMPSON, UCB1, EPSILON_GREEDY).',
});

const MAX_LIST = 64;

@ObjectType('RoutePolicy', { description: "A server's routing rules: residency (fail closed), failover, retries and router." })
export class RoutePolicyModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) serverId!: string;
  @Field(() => [String], { description: 'Empty = any jurisdiction.' }) allowedJurisdictions!: string[];
  @Field(() => [String], { description: 'Empty = any region.' }) allowedRegions!: string[];
  @Field(() => [NodepoolKind], { description: 'Empty = any kind.' }) allowedKinds!: NodepoolKind[];
  @Field(() => [String], { description: 'Nodepool names, in the order to fail over to.' }) failoverOrder!: string[];
  @Field(() => Int) retryMaxAttempts!: number;
  @Field(() => Float, { description: 'Retries allowed as a share of calls (0..1).' }) retryBudgetRatio!: number;
  @Field(() => RouterKind) routerKind!: RouterKind;
  @Field(() => JSONObjectScalar) routerParams!: Record<string, unknown>;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export const RoutePolicyConnection = Connection(RoutePolicyModel, 'RoutePolicy');

@InputType()
export class CreateRoutePolicyInput {
  @Field(() => ID) @IsUUID('loose', { message: ID_MESSAGE }) serverId!: string;

  @Field(() => [String], { nullable: true, description: 'Empty or absent = any jurisdiction.' })
  @IsOptional()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(32, { each: true })
  allowedJurisdictions?: string[];

  @Field(() => [String], { nullable: true, description: 'Empty or absent = any region.' })
  @IsOptional()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(64, { each: true })
  allowedRegions?: string[];

  @Field(() => [NodepoolKind], { nullable: true, description: 'Empty or absent = any kind.' })
  @IsOptional()
  @IsEnum(NodepoolKind, { each: true })
  allowedKinds?: NodepoolKind[];

  @Field(() => [String], { nullable: true, description: 'Names of existing nodepools, in failover order.' })
  @IsOptional()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  failoverOrder?: string[];

  @Field(() => Int, { nullable: true, defaultValue: 0 }) @IsOptional() @Min(0) @Max(5) retryMaxAttempts?: number;
  @Field(() => Float, { nullable: true, defaultValue: 0.1 }) @IsOptional() @Min(0) @Max(1) retryBudgetRatio?: number;
  @Field(() => RouterKind, { nullable: true, defaultValue: RouterKind.WEIGHTED }) @IsOptional() @IsEnum(RouterKind) routerKind?: RouterKind;
  @Field(() => JSONObjectScalar, { nullable: true }) @IsOptional() @IsObject() routerParams?: Record<string, unknown>;
}

/** Absent or null fields stay as they are; a list given replaces the whole list ([] lifts that restriction). */
@InputType()
export class UpdateRoutePolicyInput {
  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(32, { each: true })
  allowedJurisdictions?: string[] | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MinLength(1, { each: true })
  @MaxLength(64, { each: true })
  allowedRegions?: string[] | null;

  @Field(() => [NodepoolKind], { nullable: true })
  @IsOptional()
  @IsEnum(NodepoolKind, { each: true })
  allowedKinds?: NodepoolKind[] | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(MAX_LIST)
  @IsString({ each: true })
  @MaxLength(63, { each: true })
  failoverOrder?: string[] | null;

  @Field(() => Int, { nullable: true }) @IsOptional() @Min(0) @Max(5) retryMaxAttempts?: number | null;
  @Field(() => Float, { nullable: true }) @IsOptional() @Min(0) @Max(1) retryBudgetRatio?: number | null;
  @Field(() => RouterKind, { nullable: true }) @IsOptional() @IsEnum(RouterKind) routerKind?: RouterKind | null;
  @Field(() => JSONObjectScalar, { nullable: true }) @IsOptional() @IsObject() routerParams?: Record<string, unknown> | null;
}

@InputType()
export class RoutePolicyFilterInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID('loose', { message: ID_MESSAGE }) serverId?: string;
}

@ArgsType()
export class RoutePoliciesArgs extends PageArgs {
  @Field(() => RoutePolicyFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => RoutePolicyFilterInput)
  filter?: RoutePolicyFilterInput;
}
