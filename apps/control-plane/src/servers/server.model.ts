import { ArgsType, Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Connection, PageArgs } from '../graphql/pagination.js';

/** Server names prefix tool names on /mcp as `<server>__<tool>`, so `_` would make them ambiguous. */
export const SERVER_NAME = /^[a-z0-9-]{1,32}$/;
export const SERVER_NAME_MESSAGE =
  'must be 1-32 characters of a-z, 0-9 and -; "_" is not allowed because tool names on /mcp are <server>__<tool> and are split on it';

@ObjectType('McpServer', { description: 'A logical MCP server, reached at /mcp/<name> and as the <name>__ tool prefix on /mcp.' })
export class McpServerModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field() description!: string;
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export const McpServerConnection = Connection(McpServerModel, 'McpServer');

@InputType()
export class CreateMcpServerInput {
  @Field() @Matches(SERVER_NAME, { message: SERVER_NAME_MESSAGE }) name!: string;
  @Field({ nullable: true, defaultValue: '' }) @IsOptional() @IsString() @MaxLength(1000) description?: string;
}

/**
 * No rename: the name is the address clients use and what API keys' allowedServers/allowedTools
 * narrow by, so a rename would silently change what existing keys grant.
 */
@InputType()
export class UpdateMcpServerInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(1000) description?: string;
}

@InputType()
export class McpServerFilterInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(32) nameContains?: string;
}

@ArgsType()
export class McpServersArgs extends PageArgs {
  @Field(() => McpServerFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => McpServerFilterInput)
  filter?: McpServerFilterInput;
}
