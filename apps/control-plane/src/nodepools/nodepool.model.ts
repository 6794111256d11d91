import { ArgsType, Field, Float, ID, InputType, ObjectType, registerEnumType } from '@nestjs/graphql';
import { NodepoolKind } from '@switchyard/db';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsEnum,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';
import { Connection, PageArgs } from '../graphql/pagination.js';

registerEnumType(NodepoolKind, {
  name: 'NodepoolKind',
  description: 'SAAS: managed by us; VPC: in a customer VPC; ON_PREM: customer hardware.',
});

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
const NAME_MESSAGE = 'must be 1-63 characters of a-z, 0-9 and -, starting with a letter or digit';
const LABEL_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/;

@ObjectType()
export class Label {
  @Field() key!: string;
  @Field() value!: string;
}

@InputType()
export class LabelInput {
  @Field() @Matches(LABEL_KEY, { message: 'must be 1-63 characters of letters, digits, . _ / -' }) key!: string;
  @Field() @IsString() @MaxLength(256) value!: string;
}

@ObjectType('Nodepool', { description: 'A group of hosts in one place: managed SaaS, a customer VPC or an on-prem site.' })
export class NodepoolModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => NodepoolKind) kind!: NodepoolKind;
  @Field({ description: 'e.g. eu-west-1 or de-fra-1' }) region!: string;
  @Field({ description: 'Legal area the data stays in, e.g. EU, US, DE. Residency rules match on it.' })
  jurisdiction!: string;
  @Field(() => Float, { description: 'Relative cost of one call here, for cost-aware routing.' }) costPerCall!: number;
  @Field(() => [Label]) labels!: Label[];
  @Field() createdAt!: Date;
  @Field() updatedAt!: Date;
}

export const NodepoolConnection = Connection(NodepoolModel, 'Nodepool');

@InputType()
export class CreateNodepoolInput {
  @Field() @Matches(NAME, { message: NAME_MESSAGE }) name!: string;
  @Field(() => NodepoolKind) @IsEnum(NodepoolKind) kind!: NodepoolKind;
  @Field() @IsString() @MinLength(1) @MaxLength(64) region!: string;
  @Field() @IsString() @MinLength(1) @MaxLength(32) jurisdiction!: string;
  @Field(() => Float, { nullable: true, defaultValue: 0 }) @IsOptional() @Min(0) @Max(1_000_000) costPerCall?: number;

  @Field(() => [LabelInput], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(64)
  @ValidateNested({ each: true })
  @Type(() => LabelInput)
  labels?: LabelInput[];
}

// Written out rather than PartialType(CreateNodepoolInput): PartialType keeps GraphQL default
// values, so an update that omits costPerCall would silently reset it to 0.
@InputType()
export class UpdateNodepoolInput {
  @Field({ nullable: true }) @IsOptional() @Matches(NAME, { message: NAME_MESSAGE }) name?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MinLength(1) @MaxLength(64) region?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MinLength(1) @MaxLength(32) jurisdiction?: string;
  @Field(() => Float, { nullable: true }) @IsOptional() @Min(0) @Max(1_000_000) costPerCall?: number;

  @Field(() => [LabelInput], { nullable: true, description: 'Replaces all labels.' })
  @IsOptional()
  @ArrayMaxSize(64)
  @ValidateNested({ each: true })
  @Type(() => LabelInput)
  labels?: LabelInput[];
}

@InputType()
export class NodepoolFilterInput {
  @Field(() => NodepoolKind, { nullable: true }) @IsOptional() @IsEnum(NodepoolKind) kind?: NodepoolKind;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) region?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(32) jurisdiction?: string;
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) nameContains?: string;
}

@ArgsType()
export class NodepoolsArgs extends PageArgs {
  @Field(() => NodepoolFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => NodepoolFilterInput)
  filter?: NodepoolFilterInput;
}
