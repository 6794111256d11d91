import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { ApiKeyRole } from '@switchyard/db';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsBoolean,
  IsEnum,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { KNOWN_SCOPES } from '../auth/roles.js';
import { Connection, PageArgs } from '../graphql/pagination.js';

registerEnumType(ApiKeyRole, {
  name: 'ApiKeyRole',
  description: 'ADMIN > OPERATOR > VIEWER on the admin API. AGENT keys only call the MCP gateway.',
});

export enum ApiKeyState {
  ACTIVE = 'ACTIVE',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
}
registerEnumType(ApiKeyState, { name: 'ApiKeyState' });

@ObjectType('ApiKey', { description: 'An API key. The key itself is shown only once, when it is created.' })
export class ApiKeyModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field({ description: 'The first characters of the key, to recognise it.' }) prefix!: string;
  @Field(() => ApiKeyRole) role!: ApiKeyRole;
  @Field(() => [String], { description: 'e.g. mcp:call' }) scopes!: string[];
  @Field(() => [String], { description: 'Servers mcp:call is narrowed to (empty = all).' }) allowedServers!: string[];
  @Field(() => [String], { description: 'Tools mcp:call is narrowed to, as <server>__<tool> (empty = all).' })
  allowedTools!: string[];
  @Field(() => Date, { nullable: true }) expiresAt!: Date | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field(() => Date, { nullable: true }) lastUsedAt!: Date | null;
  @Field() createdAt!: Date;
  @Field(() => ApiKeyState) state!: ApiKeyState;
}

@ObjectType()
export class CreatedApiKey {
  @Field(() => ApiKeyModel) apiKey!: ApiKeyModel;
  @Field({ description: 'The secret key (sy_…). Shown only now: store it safely.' }) key!: string;
}

export const ApiKeyConnection = Connection(ApiKeyModel, 'ApiKey');

const SERVER_NAME = /^[a-z0-9-]{1,32}$/;
const TOOL_REF = /^[a-z0-9-]{1,32}__.{1,128}$/;

@InputType()
export class CreateApiKeyInput {
  @Field() @IsString() @MinLength(1) @MaxLength(100) name!: string;
  @Field(() => ApiKeyRole) @IsEnum(ApiKeyRole) role!: ApiKeyRole;

  @Field(() => [String], { nullable: true, description: 'Defaults to [mcp:call] for AGENT keys, [] otherwise.' })
  @IsOptional()
  @ArrayMaxSize(10)
  @IsIn(KNOWN_SCOPES, { each: true, message: `each scope must be one of: ${KNOWN_SCOPES.join(', ')}` })
  scopes?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(100)
  @Matches(SERVER_NAME, { each: true, message: 'each server must be a server name ([a-z0-9-]{1,32})' })
  allowedServers?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(500)
  @Matches(TOOL_REF, { each: true, message: 'each tool must be written <server>__<tool>' })
  allowedTools?: string[];

  @Field(() => Int, { nullable: true, description: 'Days until the key expires (default from configuration).' })
  @IsOptional()
  @Min(1)
  @Max(3650)
  expiresInDays?: number;

  @Field({ nullable: true, description: 'A key that never expires. Prefer expiring keys.' })
  @IsOptional()
  @IsBoolean()
  neverExpires?: boolean;
}

@InputType()
export class UpdateApiKeyInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MinLength(1) @MaxLength(100) name?: string;

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(10)
  @IsIn(KNOWN_SCOPES, { each: true, message: `each scope must be one of: ${KNOWN_SCOPES.join(', ')}` })
  scopes?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @Matches(SERVER_NAME, { each: true, message: 'each server must be a server name ([a-z0-9-]{1,32})' })
  allowedServers?: string[];

  @Field(() => [String], { nullable: true })
  @IsOptional()
  @Matches(TOOL_REF, { each: true, message: 'each tool must be written <server>__<tool>' })
  allowedTools?: string[];
}

@InputType()
export class ApiKeyFilterInput {
  @Field(() => ApiKeyRole, { nullable: true }) @IsOptional() @IsEnum(ApiKeyRole) role?: ApiKeyRole;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) nameContains?: string;
  @Field({ nullable: true, defaultValue: false }) @IsOptional() @IsBoolean() includeRevoked?: boolean;
}

@ArgsType()
export class ApiKeysArgs extends PageArgs {
  @Field(() => ApiKeyFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => ApiKeyFilterInput)
  filter?: ApiKeyFilterInput;
}
