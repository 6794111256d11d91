import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ToolCallOutcome } from '@switchyard/db';
import { Type } from 'class-transformer';
import { IsBoolean, IsDate, IsEnum, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { Connection, PageArgs } from '../graphql/pagination.js';

registerEnumType(ToolCallOutcome, {
  name: 'ToolCallOutcome',
  description:
    'How a tool call ended: PENDING (started, end unknown: still running, or the control plane died), OK, TOOL_ERROR (a result with isError), RPC_ERROR (a JSON-RPC error answer), TIMEOUT, CANCELLED, DENIED (refused before dispatch: scope, rate limit, invalid arguments), INTERRUPTED (the runner, upstream or control plane was lost).',
});

@ObjectType('ToolInvocation', { description: 'One tool call through the gateway (the audit log, docs/gateway.md "Audit"). Arguments are kept only as an HMAC.' })
export class ToolInvocationModel {
  @Field(() => ID, { description: 'The call id (also the relay call id and the span attribute switchyard.call.id).' }) callId!: string;
  @Field(() => String, { nullable: true, description: 'The API key that made the call.' }) apiKeyId!: string | null;
  @Field(() => String, { nullable: true, description: 'The gateway session (Mcp-Session-Id).' }) sessionId!: string | null;
  @Field(() => String, { nullable: true, description: 'W3C trace id of the call, to find its spans.' }) traceId!: string | null;
  @Field() serverName!: string;
  @Field(() => String, { nullable: true, description: 'Null when the call was refused before a session existed.' }) versionId!: string | null;
  @Field(() => String, { nullable: true }) runnerId!: string | null;
  @Field(() => String, { nullable: true }) nodepoolId!: string | null;
  @Field(() => String, { nullable: true }) rolloutId!: string | null;
  @Field(() => String, { nullable: true }) arm!: string | null;
  @Field() tool!: string;
  @Field(() => String, { nullable: true, description: 'HMAC-SHA256 (hex) of the canonical JSON arguments, keyed with SWITCHYARD_AUDIT_HMAC_KEY.' })
  argumentsHmac!: string | null;
  @Field({ description: 'A shadow copy of a call (rollouts): its answer went to no client.' }) shadow!: boolean;
  @Field(() => ToolCallOutcome) outcome!: ToolCallOutcome;
  @Field(() => String, { nullable: true, description: 'FORBIDDEN, RATE_LIMITED, INVALID_ARGUMENTS, a JSON-RPC code, the runner\'s reason…' }) errorCode!: string | null;
  @Field() startedAt!: Date;
  @Field(() => Date, { nullable: true }) finishedAt!: Date | null;
  @Field(() => Int, { nullable: true }) latencyMs!: number | null;
}

export const ToolInvocationConnection = Connection(ToolInvocationModel, 'ToolInvocation');

@InputType({ description: 'Every field narrows the list; all absent: every call.' })
export class ToolInvocationFilterInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) serverName?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) apiKeyId?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) sessionId?: string;
  @Field(() => ToolCallOutcome, { nullable: true }) @IsOptional() @IsEnum(ToolCallOutcome) outcome?: ToolCallOutcome;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(200) tool?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) versionId?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) runnerId?: string;
  @Field({ nullable: true }) @IsOptional() @IsBoolean() shadow?: boolean;
  @Field({ nullable: true, description: 'Calls started at or after this time.' }) @IsOptional() @IsDate() startedAfter?: Date;
  @Field({ nullable: true, description: 'Calls started before this time.' }) @IsOptional() @IsDate() startedBefore?: Date;
}

@ArgsType()
export class ToolInvocationsArgs extends PageArgs {
  @Field(() => ToolInvocationFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ToolInvocationFilterInput)
  filter?: ToolInvocationFilterInput;
}
