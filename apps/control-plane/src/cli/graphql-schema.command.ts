import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import { GraphQLSchemaBuilderModule, GraphQLSchemaFactory } from '@nestjs/graphql';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { ALL_RESOLVERS } from '../graphql/resolvers.js';
import { CliUsageError } from './cli-error.js';

/** apps/control-plane/schema.graphql, found from this file (src/cli or dist/cli). */
export const DEFAULT_SCHEMA_FILE = resolve(dirname(fileURLToPath(import.meta.url)), '../../schema.graphql');

/** Prints the code-first schema exactly as the running app builds it (sorted). */
export async function renderSchema(): Promise<string> {
  const context = await NestFactory.createApplicationContext(GraphQLSchemaBuilderModule, { logger: false });
  try {
    const schema = await context.get(GraphQLSchemaFactory).create([...ALL_RESOLVERS]);
    return `${printSchema(lexicographicSortSchema(schema))}\n`;
  } finally {
    await context.close();
  }
}

export async function runGraphqlSchemaCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { write: { type: 'boolean' }, check: { type: 'boolean' }, file: { type: 'string' } },
    strict: true,
  });
  if (!values.write === !values.check) throw new CliUsageError('graphql-schema needs exactly one of --write or --check');
  const file = values.file ?? DEFAULT_SCHEMA_FILE;
  const rendered = await renderSchema();
  if (values.write) {
    await writeFile(file, rendered);
    process.stdout.write(`wrote ${file}\n`);
    return 0;
  }
  const committed = await readFile(file, 'utf8').catch(() => '');
  if (committed === rendered) {
    process.stdout.write('schema.graphql is up to date\n');
    return 0;
  }
  process.stderr.write(`${file} is stale: the resolvers changed. Run: npm run build && npm run graphql:schema\n`);
  return 1;
}
