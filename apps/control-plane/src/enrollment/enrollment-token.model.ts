import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsEnum, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Connection, PageArgs } from '../graphql/pagination.js';
import { NodepoolModel } from '../nodepools/nodepool.model.js';

export enum EnrollmentTokenState {
  ACTIVE = 'ACTIVE',
  USED = 'USED',
  EXPIRED = 'EXPIRED',
  REVOKED = 'REVOKED',
}
registerEnumType(EnrollmentTokenState, {
  name: 'EnrollmentTokenState',
  description: 'ACTIVE: can still enroll one runner. USED, EXPIRED and REVOKED tokens enroll nothing.',
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const UUID_MESSAGE = 'must be an id returned by this API (a UUID)';
/** One week: long enough to ship a token to a remote site, short enough to limit a leak. */
export const MAX_TTL_MINUTES = 7 * 24 * 60;

@ObjectType('EnrollmentToken', {
  description: 'A one-time token that lets one runner enroll into a nodepool. The token itself is shown only once.',
})
export class EnrollmentTokenModel {
  @Field(() => ID) id!: string;
  @Field(() => NodepoolModel, { description: 'The nodepool a runner enrolled with this token joins.' }) nodepool!: NodepoolModel;
  @Field({ description: 'The first characters of the token, to recognise it.' }) prefix!: string;
  @Field() description!: string;
  @Field() expiresAt!: Date;
  @Field(() => Date, { nullable: true }) usedAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'The runner that enrolled with this token.' })
  usedByRunnerId!: string | null;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
  @Field() createdAt!: Date;
  @Field(() => EnrollmentTokenState) state!: EnrollmentTokenState;
}

@ObjectType()
export class CreatedEnrollmentToken {
  @Field(() => EnrollmentTokenModel) enrollmentToken!: EnrollmentTokenModel;
  @Field({ description: 'The token (syet_…) for `switchyard-runner enroll --token`. Shown only now.' }) token!: string;
}

export const EnrollmentTokenConnection = Connection(EnrollmentTokenModel, 'EnrollmentToken');

@InputType()
export class CreateEnrollmentTokenInput {
  @Field(() => ID) @Matches(UUID, { message: UUID_MESSAGE }) nodepoolId!: string;

  @Field(() => Int, { nullable: true, defaultValue: 60, description: `Minutes until the token expires, 1 to ${MAX_TTL_MINUTES}.` })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_TTL_MINUTES)
  ttlMinutes?: number;

  @Field({ nullable: true, defaultValue: '' }) @IsOptional() @IsString() @MaxLength(500) description?: string;
}

@InputType()
export class EnrollmentTokenFilterInput {
  @Field(() => ID, { nullable: true }) @IsOptional() @Matches(UUID, { message: UUID_MESSAGE }) nodepoolId?: string;
  @Field(() => EnrollmentTokenState, { nullable: true }) @IsOptional() @IsEnum(EnrollmentTokenState) state?: EnrollmentTokenState;
}

@ArgsType()
export class EnrollmentTokensArgs extends PageArgs {
  @Field(() => EnrollmentTokenFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => EnrollmentTokenFilterInput)
  filter?: EnrollmentTokenFilterInput;
}
