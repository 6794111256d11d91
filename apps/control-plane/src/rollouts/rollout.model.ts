import { ArgsType, Field, Float, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { RolloutActorType, RolloutPhase } from '@switchyard/db';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsBoolean, IsDate, IsEnum, IsObject, IsOptional, IsString, IsUUID, Matches, MaxLength, ValidateNested } from 'class-validator';
import { JSONObjectScalar } from '../graphql/json-object.scalar.js';
import { Connection, PageArgs } from '../graphql/pagination.js';
import { SERVER_NAME, SERVER_NAME_MESSAGE } from '../servers/server.model.js';
import { ID_MESSAGE } from '../servers/server-version.model.js';

registerEnumType(RolloutPhase, {
  name: 'RolloutPhase',
  description: 'A rung of the ladder (PILOT → SHADOW → CANARY → BANDIT → DECISION), PAUSED, or a final phase (PROMOTED, ROLLED_BACK, ABORTED).',
});
registerEnumType(RolloutActorType, { name: 'RolloutActorType', description: 'Who made a rollout change: an operator (USER) or the automated ANALYSIS.' });

@ObjectType('VersionShare', { description: "A version's share of the server's traffic (0..1); the shares of a rollout sum to 1." })
export class VersionShareModel {
  @Field(() => ID) versionId!: string;
  @Field(() => Float) share!: number;
}

@ObjectType('RolloutEvent', { description: 'One change of a rollout (phase or weights), append-only.' })
export class RolloutEventModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) rolloutId!: string;
  @Field() at!: Date;
  @Field({ description: 'STARTED, ADVANCED, WEIGHT_STEP, PAUSED, RESUMED, PROMOTED, ROLLED_BACK or ABORTED.' }) kind!: string;
  @Field(() => RolloutPhase, { nullable: true, description: 'Null for STARTED.' }) fromPhase!: RolloutPhase | null;
  @Field(() => RolloutPhase, { nullable: true }) toPhase!: RolloutPhase | null;
  @Field(() => [VersionShareModel], { nullable: true, description: 'The weights after the change.' }) weights!: VersionShareModel[] | null;
  @Field() reason!: string;
  @Field(() => JSONObjectScalar, {
    nullable: true,
    description: "Analysis events: the gates' assessment (estimates, intervals, sample sizes) and the tick. STARTED: the parsed configuration and tool hashes. Null for operator commands.",
  })
  metrics!: Record<string, unknown> | null;
  @Field(() => RolloutActorType) actorType!: RolloutActorType;
  @Field(() => String, { nullable: true, description: "The operator's API key id, for USER events." }) actorKeyId!: string | null;
}

export const RolloutEventConnection = Connection(RolloutEventModel, 'RolloutEvent');

@ObjectType('Rollout', { description: 'A champion and a challenger version of one server climbing the ladder (docs/rollouts.md).' })
export class RolloutModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) serverId!: string;
  @Field(() => ID) championVersionId!: string;
  @Field(() => ID) challengerVersionId!: string;
  @Field(() => RolloutPhase) phase!: RolloutPhase;
  @Field(() => RolloutPhase, { nullable: true, description: 'While PAUSED: the phase a resume returns to.' }) pausedFromPhase!: RolloutPhase | null;
  @Field(() => Int, { description: 'Index of the current canary step in gateConfig.canary.steps.' }) canaryStep!: number;
  @Field(() => JSONObjectScalar, { description: 'The gate configuration with every default filled in.' }) gateConfig!: Record<string, unknown>;
  @Field({ description: 'Tool-definition hash of the champion when the rollout started ("" if not seen yet).' }) toolsHashChampion!: string;
  @Field({ description: 'Tool-definition hash of the challenger when the rollout started ("" if not seen yet).' }) toolsHashChallenger!: string;
  @Field(() => JSONObjectScalar, {
    nullable: true,
    description: 'What the gates said at the last analysis tick, also when it changed nothing (per-arm numbers per nodepool, verdicts).',
  })
  lastAssessment!: Record<string, unknown> | null;
  @Field(() => Date, { nullable: true, description: 'Scheduled time of the last analysis tick applied.' }) lastAnalysisTickAt!: Date | null;
  @Field(() => Int, { description: 'Increases with every change: poll it (or updatedAt) to see whether anything moved.' }) version!: number;
  @Field() phaseStartedAt!: Date;
  @Field({ description: 'Start of the current analysis window (the canary step, or the phase).' }) stepStartedAt!: Date;
  @Field() startedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field() updatedAt!: Date;
}

export const RolloutConnection = Connection(RolloutModel, 'Rollout');

@InputType()
export class StartRolloutInput {
  @Field(() => ID, { nullable: true, description: 'The server, by id; or give serverName.' })
  @IsOptional()
  @IsUUID('loose', { message: ID_MESSAGE })
  serverId?: string;

  @Field({ nullable: true, description: 'The server, by name; or give serverId.' })
  @IsOptional()
  @Matches(SERVER_NAME, { message: SERVER_NAME_MESSAGE })
  serverName?: string;

  @Field(() => ID) @IsUUID('loose', { message: ID_MESSAGE }) challengerVersionId!: string;

  @Field(() => ID, {
    nullable: true,
    description: "Default: the server's current champion — what its last finished rollout left serving (PROMOTED: the challenger; ROLLED_BACK or ABORTED: the champion), else its newest deployed version.",
  })
  @IsOptional()
  @IsUUID('loose', { message: ID_MESSAGE })
  championVersionId?: string;

  @Field(() => JSONObjectScalar, { nullable: true, description: 'Gate configuration (docs/rollouts.md, "Gates and their defaults"); absent = every default.' })
  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;

  @Field(() => [String], {
    nullable: true,
    description: 'Tools mirrored to the challenger in SHADOW (docs/rollouts.md, "Shadow traffic"); absent = none. Change it later with updateRolloutShadowTools.',
  })
  @IsOptional()
  @IsString({ each: true })
  @ArrayMaxSize(100)
  shadowTools?: string[];
}

@ArgsType()
export class RolloutCommandArgs {
  @Field({ nullable: true, description: 'Why, in one sentence; stored in the event (a default sentence otherwise).' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;
}

@InputType()
export class RolloutFilterInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID('loose', { message: ID_MESSAGE }) serverId?: string;
  @Field(() => RolloutPhase, { nullable: true }) @IsOptional() @IsEnum(RolloutPhase) phase?: RolloutPhase;
  @Field({ nullable: true, description: 'true: not in a final phase (at most one per server); false: finished.' })
  @IsOptional()
  @IsBoolean()
  active?: boolean;
}

@ArgsType()
export class RolloutsArgs extends PageArgs {
  @Field(() => RolloutFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => RolloutFilterInput)
  filter?: RolloutFilterInput;
}

@ArgsType()
export class RolloutEventsArgs extends PageArgs {
  @Field({ description: 'Events at or after this time (the event time `at`), oldest first.' }) @IsDate() since!: Date;
  @Field(() => ID, { nullable: true, description: 'Only this rollout.' }) @IsOptional() @IsUUID('loose', { message: ID_MESSAGE }) rolloutId?: string;
}
