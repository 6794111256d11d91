import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { RunnerStatus } from '@switchyard/db';
import { serverStateField, type ServerState } from '@switchyard/protocol';
import { Type } from 'class-transformer';
import { IsEnum, IsOptional, Matches, ValidateNested } from 'class-validator';
import { Connection, PageArgs } from '../graphql/pagination.js';
import { Label, NodepoolModel } from '../nodepools/nodepool.model.js';

registerEnumType(RunnerStatus, {
  name: 'RunnerStatus',
  description:
    'ENROLLED: never connected yet. HEALTHY / UNHEALTHY: from heartbeats. OFFLINE: heartbeats stopped. DRAINING: finishing its work, takes no new sessions.',
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@ObjectType({ description: 'A GPU a runner reported.' })
export class Gpu {
  @Field(() => Int, { description: 'Device index on the host.' }) index!: number;
  @Field({ description: 'Model name, e.g. NVIDIA A100-SXM4-80GB.' }) name!: string;
  @Field(() => Int, { nullable: true }) memoryMiB!: number | null;
  @Field(() => String, { nullable: true }) uuid!: string | null;
}

registerEnumType(serverStateField.enum, {
  name: 'RunnerServerState',
  description: 'STARTING, RUNNING, BACKOFF (crashed, restarting after a delay), STOPPED, FAILED (will not start: see the runner log).',
});

@ObjectType({ description: 'A server version placed on a runner, as its last heartbeat reported it.' })
export class RunnerServer {
  @Field(() => ID) deploymentId!: string;
  @Field(() => ID) versionId!: string;
  @Field(() => serverStateField.enum) state!: ServerState;
  @Field(() => Int, { description: 'Restarts since the placement was assigned.' }) restarts!: number;
}

@ObjectType('Runner', { description: 'An agent on a host that dials out over NATS and runs placed server versions.' })
export class RunnerModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => NodepoolModel) nodepool!: NodepoolModel;
  @Field({ description: "The runner's NATS user nkey (public part)." }) publicKey!: string;
  @Field(() => String, { nullable: true, description: 'Runner software version it last reported.' }) version!: string | null;
  @Field(() => RunnerStatus) status!: RunnerStatus;
  @Field(() => Date, { nullable: true }) lastSeenAt!: Date | null;
  @Field(() => Int, { description: 'Concurrent calls the runner accepts.' }) capacity!: number;
  @Field(() => [Gpu]) gpus!: Gpu[];
  @Field(() => [RunnerServer], { description: 'Placed server versions and their state at the last heartbeat; empty while offline.' }) servers!: RunnerServer[];
  @Field(() => Int, { description: 'Calls in flight at the last heartbeat.' }) inFlight!: number;
  @Field(() => [Label]) labels!: Label[];
  @Field(() => Date, { nullable: true, description: 'Set when one credential was seen connected twice.' }) fencedAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field() enrolledAt!: Date;
}

export const RunnerConnection = Connection(RunnerModel, 'Runner');

@InputType()
export class RunnerFilterInput {
  @Field(() => ID, { nullable: true })
  @IsOptional()
  @Matches(UUID, { message: 'must be an id returned by this API (a UUID)' })
  nodepoolId?: string;

  @Field(() => RunnerStatus, { nullable: true }) @IsOptional() @IsEnum(RunnerStatus) status?: RunnerStatus;
}

@ArgsType()
export class RunnersArgs extends PageArgs {
  @Field(() => RunnerFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => RunnerFilterInput)
  filter?: RunnerFilterInput;
}
