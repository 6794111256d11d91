import { ArgsType, Field, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { TransportKind } from '@switchyard/db';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsEnum,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Connection, PageArgs } from '../graphql/pagination.js';

registerEnumType(TransportKind, {
  name: 'TransportKind',
  description: 'STDIO: the runner launches `command` and speaks JSON-RPC on its stdio; STREAMABLE_HTTP: it relays to `url`.',
});

const VERSION = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;
const VERSION_MESSAGE = 'must be 1-64 characters of letters, digits, . + -, starting with a letter or digit (e.g. 1.4.0-rc.1)';
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const ENV_NAME_MESSAGE = 'must be an environment variable name: A-Z, 0-9 and _, not starting with a digit';
/** Subresource Integrity form, as in package-lock.json: the runner refuses an artifact that does not match. */
const SRI = /^sha(256|384|512)-[A-Za-z0-9+/]+={0,2}$/;
const SRI_MESSAGE = 'must be an SRI hash: sha256-, sha384- or sha512- followed by base64';
export const ID_MESSAGE = 'must be an id returned by this API (a UUID)';

@ObjectType('EnvVar')
export class EnvVar {
  @Field() name!: string;
  @Field() value!: string;
}

@ObjectType('SecretEnvVar', { description: 'A variable filled from a Secret at launch. Only the secret name is shown, never its value.' })
export class SecretEnvVar {
  @Field() name!: string;
  @Field({ description: 'Name of the Secret.' }) secret!: string;
}

@ObjectType('McpServerVersion', { description: 'One released build of an MCP server and how to launch it.' })
export class McpServerVersionModel {
  @Field(() => ID) id!: string;
  @Field(() => ID) serverId!: string;
  @Field() version!: string;
  @Field(() => TransportKind) transport!: TransportKind;
  @Field(() => String, { nullable: true }) command!: string | null;
  @Field(() => [String]) args!: string[];
  @Field(() => [EnvVar]) env!: EnvVar[];
  @Field(() => [SecretEnvVar]) secretEnv!: SecretEnvVar[];
  @Field(() => String, { nullable: true }) url!: string | null;
  @Field(() => String, { nullable: true }) artifactIntegrity!: string | null;
  @Field({ description: 'Operator-declared: one upstream connection may serve many client sessions.' }) stateless!: boolean;
  @Field(() => String, { nullable: true, description: 'Hash of the tool definitions, once the control plane has seen them.' })
  toolsHash!: string | null;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export const McpServerVersionConnection = Connection(McpServerVersionModel, 'McpServerVersion');

@InputType()
export class EnvVarInput {
  @Field() @Matches(ENV_NAME, { message: ENV_NAME_MESSAGE }) @MaxLength(128) name!: string;
  @Field() @IsString() @MaxLength(4096) value!: string;
}

@InputType()
export class SecretEnvInput {
  @Field() @Matches(ENV_NAME, { message: ENV_NAME_MESSAGE }) @MaxLength(128) name!: string;
  @Field({ description: 'Name of an existing Secret.' }) @IsString() @MinLength(1) @MaxLength(128) secret!: string;
}

@InputType()
export class CreateMcpServerVersionInput {
  @Field(() => ID, { nullable: true, description: 'The server, by id. Give exactly one of serverId and serverName.' })
  @IsOptional()
  @IsUUID('loose', { message: ID_MESSAGE })
  serverId?: string;

  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(32) serverName?: string;
  @Field() @Matches(VERSION, { message: VERSION_MESSAGE }) version!: string;
  @Field(() => TransportKind) @IsEnum(TransportKind) transport!: TransportKind;
  @Field({ nullable: true }) @IsOptional() @IsString() @MinLength(1) @MaxLength(1024) command?: string;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  args?: string[];

  @Field(() => [EnvVarInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(256)
  @ValidateNested({ each: true })
  @Type(() => EnvVarInput)
  env?: EnvVarInput[];

  @Field(() => [SecretEnvInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(256)
  @ValidateNested({ each: true })
  @Type(() => SecretEnvInput)
  secretEnv?: SecretEnvInput[];

  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(2048) url?: string;
  @Field({ nullable: true }) @IsOptional() @Matches(SRI, { message: SRI_MESSAGE }) artifactIntegrity?: string;
  @Field({ nullable: true, defaultValue: false }) @IsOptional() @IsBoolean() stateless?: boolean;
}

/**
 * `null` clears a nullable field, an absent field stays as it is. The launch-spec fields
 * (transport … url) may change only while the version is not deployed anywhere.
 */
@InputType()
export class UpdateMcpServerVersionInput {
  @Field(() => Boolean, { nullable: true }) @IsOptional() @IsBoolean() stateless?: boolean | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Matches(SRI, { message: SRI_MESSAGE })
  artifactIntegrity?: string | null;

  @Field(() => TransportKind, { nullable: true }) @IsOptional() @IsEnum(TransportKind) transport?: TransportKind | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  command?: string | null;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(256)
  @IsString({ each: true })
  @MaxLength(4096, { each: true })
  args?: string[] | null;

  @Field(() => [EnvVarInput], { nullable: true, description: 'Replaces all plain variables.' })
  @IsOptional()
  @ArrayMaxSize(256)
  @ValidateNested({ each: true })
  @Type(() => EnvVarInput)
  env?: EnvVarInput[] | null;

  @Field(() => [SecretEnvInput], { nullable: true, description: 'Replaces all secret variables.' })
  @IsOptional()
  @ArrayMaxSize(256)
  @ValidateNested({ each: true })
  @Type(() => SecretEnvInput)
  secretEnv?: SecretEnvInput[] | null;

  @Field(() => String, { nullable: true }) @IsOptional() @IsString() @MaxLength(2048) url?: string | null;
}

@InputType()
export class McpServerVersionFilterInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @IsUUID('loose', { message: ID_MESSAGE }) serverId?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(32) serverName?: string;
}

@ArgsType()
export class McpServerVersionsArgs extends PageArgs {
  @Field(() => McpServerVersionFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => McpServerVersionFilterInput)
  filter?: McpServerVersionFilterInput;
}
