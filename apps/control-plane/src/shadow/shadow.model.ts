import { ArgsType, Field, Float, Int, ObjectType } from '@nestjs/graphql';
import { ArrayMaxSize, IsString } from 'class-validator';
import { MAX_SHADOW_TOOLS } from './shadow-tools.js';

@ObjectType('ShadowNoisePath', { description: 'A JSON path of a tool\'s answer that varied between two answers of the champion to the same call.' })
export class ShadowNoisePathModel {
  @Field() tool!: string;
  @Field({ description: 'JSON-pointer-like path; array indices are `*`, `{json}` marks JSON inside a string.' }) path!: string;
  @Field({ description: '`tokens`: only uuid-, date- or id-looking parts varied (compared with those masked); `value`: the value varies (not compared).' }) kind!: string;
}

@ObjectType('ShadowDiffPath', { description: 'One differing path of an example, values as canonical JSON cut to 200 characters.' })
export class ShadowDiffPathModel {
  @Field() path!: string;
  @Field(() => String, { nullable: true, description: 'Null when the champion\'s answer has no such path.' }) champion!: string | null;
  @Field(() => String, { nullable: true, description: 'Null when the challenger\'s answer has no such path.' }) challenger!: string | null;
}

@ObjectType('ShadowDiffExample', { description: 'A mirrored call whose answers differed (kept in Redis for a day, newest first, at most 20).' })
export class ShadowDiffExampleModel {
  @Field() tool!: string;
  @Field() at!: Date;
  @Field(() => [ShadowDiffPathModel]) paths!: ShadowDiffPathModel[];
}

@ObjectType('RolloutShadow', { description: 'Shadow traffic of a rollout (docs/rollouts.md, "Shadow traffic"), over the whole rollout.' })
export class RolloutShadowModel {
  @Field(() => Int, { description: 'Mirrored calls whose answers were compared.' }) compared!: number;
  @Field(() => Int, { description: 'Of those, answers that differed beyond the learned noise.' }) differing!: number;
  @Field(() => Int, { description: 'Mirrored calls that could not be compared (no runner the policy allows, the challenger asked the client, the payload expired).' }) notCompared!: number;
  @Field(() => Float, { nullable: true, description: 'differing / compared; null before the first comparison.' }) diffRate!: number | null;
  @Field(() => [ShadowNoisePathModel]) noisePaths!: ShadowNoisePathModel[];
  @Field(() => [ShadowDiffExampleModel]) examples!: ShadowDiffExampleModel[];
}

@ArgsType()
export class ShadowToolsArgs {
  @Field(() => [String], { description: 'The tools to mirror in SHADOW, replacing the list; [] mirrors nothing.' })
  @IsString({ each: true })
  @ArrayMaxSize(MAX_SHADOW_TOOLS)
  tools!: string[];
}
