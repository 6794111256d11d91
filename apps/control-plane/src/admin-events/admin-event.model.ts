import { ArgsType, Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { IsDate, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { JSONObjectScalar } from '../graphql/json-object.scalar.js';
import { Connection, PageArgs } from '../graphql/pagination.js';

@ObjectType('AdminEvent', { description: 'One mutation of the admin API: who did what to which object, when. Append-only.' })
export class AdminEventModel {
  @Field(() => ID) id!: string;
  @Field() at!: Date;
  @Field(() => String, { nullable: true, description: 'API key that made the change; null for the CLI and for the control plane itself (first-start key).' })
  actorKeyId!: string | null;
  @Field() actorName!: string;
  @Field({ description: 'e.g. nodepool.create, apiKey.revoke' }) action!: string;
  @Field() targetType!: string;
  @Field(() => String, { nullable: true }) targetId!: string | null;
  @Field(() => JSONObjectScalar) details!: Record<string, unknown>;
}

export const AdminEventConnection = Connection(AdminEventModel, 'AdminEvent');

@InputType()
export class AdminEventFilterInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) action?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) targetType?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) targetId?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(100) actorKeyId?: string;
  @Field({ nullable: true }) @IsOptional() @IsDate() since?: Date;
  @Field({ nullable: true }) @IsOptional() @IsDate() until?: Date;
}

@ArgsType()
export class AdminEventsArgs extends PageArgs {
  @Field(() => AdminEventFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => AdminEventFilterInput)
  filter?: AdminEventFilterInput;
}
