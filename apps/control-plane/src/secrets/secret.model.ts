import { ArgsType, Field, ID, InputType, ObjectType } from '@nestjs/graphql';
import { Type } from 'class-transformer';
import { IsByteLength, IsOptional, IsString, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Connection, PageArgs } from '../graphql/pagination.js';

const NAME = /^[a-z0-9][a-z0-9-_.]{0,62}$/;
const NAME_MESSAGE = 'must be 1-63 characters of a-z, 0-9, -, _ and ., starting with a letter or digit';
/** Values are environment variables and small files (tokens, keys, certificates). */
export const MAX_SECRET_VALUE_BYTES = 64 * 1024;
const VALUE_MESSAGE = `must be 1 to ${MAX_SECRET_VALUE_BYTES} bytes (UTF-8)`;

/**
 * A named secret. Values are write-only: this type deliberately has no field for the value
 * or its ciphertext; only runners that need it receive it, over their own channel.
 */
@ObjectType('Secret', { description: 'A named secret. Its value can be set but never read back through the API.' })
export class SecretModel {
  @Field(() => ID) id!: string;
  @Field({ description: 'Referred to by server versions (secretEnv: { VAR: name }). Cannot be renamed.' }) name!: string;
  @Field() description!: string;
  @Field() createdAt!: Date;
  @Field({ description: 'Last change of the value or the description.' }) updatedAt!: Date;
}

export const SecretConnection = Connection(SecretModel, 'Secret');

@InputType()
export class CreateSecretInput {
  @Field() @Matches(NAME, { message: NAME_MESSAGE }) name!: string;
  @Field({ description: 'Write-only; stored encrypted.' }) @IsString() @IsByteLength(1, MAX_SECRET_VALUE_BYTES, { message: VALUE_MESSAGE })
  value!: string;
  @Field({ nullable: true, defaultValue: '' }) @IsOptional() @IsString() @MaxLength(500) description?: string;
}

@InputType()
export class UpdateSecretInput {
  @Field({ nullable: true, description: 'A new value, replacing the old one.' })
  @IsOptional()
  @IsString()
  @IsByteLength(1, MAX_SECRET_VALUE_BYTES, { message: VALUE_MESSAGE })
  value?: string;

  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(500) description?: string;
}

@InputType()
export class SecretFilterInput {
  @Field({ nullable: true }) @IsOptional() @IsString() @MaxLength(64) nameContains?: string;
}

@ArgsType()
export class SecretsArgs extends PageArgs {
  @Field(() => SecretFilterInput, { nullable: true })
  @IsOptional()
  @ValidateNested()
  @Type(() => SecretFilterInput)
  filter?: SecretFilterInput;
}
