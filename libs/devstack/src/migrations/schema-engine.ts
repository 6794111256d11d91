// Prisma's schema engine compiled to wasm, driven directly. The native schema-engine binary that
// `prisma migrate` spawns cannot be downloaded here, and Prisma 7.10 has no switch to make its
// CLI use the wasm build, so we load @prisma/schema-engine-wasm (the engines version of prisma
// 7.10.0) ourselves and give it Postgres through EngineAdapterFactory.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { bindMigrationAwareSqlAdapterFactory } from '@prisma/driver-adapter-utils';
import * as engineGlue from '@prisma/schema-engine-wasm/schema_engine_bg';
import type {
  DiagnoseMigrationHistoryInput,
  DiagnoseMigrationHistoryOutput,
  DiffParams,
  DiffResult,
  SchemaEngine,
} from '@prisma/schema-engine-wasm';
import { watchPanics } from './panic-registry.js';
import { EngineAdapterFactory } from './pg-engine-adapter.js';

export type {
  DiagnoseMigrationHistoryOutput,
  DiffParams,
  DiffResult,
  DiffTarget,
  MigrationList,
} from '@prisma/schema-engine-wasm';

/** Minimal typing of the global WebAssembly API (our lib setting has no DOM types). */
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, unknown>): Promise<{ instance: { exports: unknown } }>;
}

let loaded: Promise<typeof engineGlue.SchemaEngine> | undefined;
/** Set by the first panic. The glue caches views of the instance's memory, so it cannot be
 * swapped for a fresh instance; the process has to be restarted. */
let poisoned: string | undefined;

/**
 * The package entry does `import * as wasm from "./schema_engine_bg.wasm"`, which only bundlers
 * understand, and the .wasm file is not in the package's `exports`. So we instantiate the file
 * next to the `schema_engine_bg` export by hand and wire it up exactly like the entry would.
 * The glue module holds the instance in a module-level variable: load once per process.
 */
function loadEngineClass(): Promise<typeof engineGlue.SchemaEngine> {
  loaded ??= (async () => {
    const gluePath = createRequire(import.meta.url).resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bytes = await readFile(join(dirname(gluePath), 'schema_engine_bg.wasm'));
    const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const { instance } = await wasm.instantiate(bytes, { './schema_engine_bg.js': engineGlue });
    const exports = instance.exports as { __wbindgen_start(): void };
    engineGlue.__wbg_set_wasm(exports);
    exports.__wbindgen_start();
    return engineGlue.SchemaEngine;
  })();
  return loaded;
}

export interface EngineSession {
  diff(params: DiffParams): Promise<DiffResult>;
  diagnoseMigrationHistory(input: DiagnoseMigrationHistoryInput): Promise<DiagnoseMigrationHistoryOutput>;
}

/**
 * Runs `work` with a schema engine whose main connection is `adminUrl`. Shadow databases are
 * created on that server (the role needs CREATEDB) and dropped afterwards; then everything is
 * freed.
 */
export async function withSchemaEngine<T>(
  adminUrl: string,
  work: (engine: EngineSession) => Promise<T>,
  log: (line: string) => void = () => undefined,
): Promise<T> {
  const SchemaEngineClass = await loadEngineClass();
  const factory = new EngineAdapterFactory(adminUrl);
  const bound = bindMigrationAwareSqlAdapterFactory(factory);
  let engine: SchemaEngine | undefined;
  const call = async <R>(fn: () => Promise<R>): Promise<R> => {
    if (poisoned !== undefined) {
      throw new SchemaEngineError(`the schema engine panicked earlier in this process: ${poisoned}`);
    }
    const watch = watchPanics();
    let watcher: NodeJS.Timeout | undefined;
    // A Rust panic surfaces as an exception thrown from a promise callback inside the glue: the
    // engine's own promise then never settles. Watching the panic registry turns that hang into
    // an error.
    const panicked = new Promise<never>((_, reject) => {
      watcher = setInterval(() => {
        const message = watch.panic();
        if (message) {
          poisoned = message;
          reject(new SchemaEngineError(`schema engine panicked: ${message}`));
        }
      }, 25);
    });
    try {
      return await Promise.race([fn(), panicked]);
    } catch (error) {
      throw explainEngineError(error, bound.errorRegistry);
    } finally {
      clearInterval(watcher);
      watch.stop();
    }
  };
  try {
    engine = await call(() => SchemaEngineClass.new({ datamodels: undefined }, log, bound));
    const ready = engine;
    const session: EngineSession = {
      diff: (params) => call(() => ready.diff(params)),
      diagnoseMigrationHistory: (input) => call(() => ready.diagnoseMigrationHistory(input)),
    };
    return await work(session);
  } finally {
    // After a panic the wasm instance is in an undefined state: do not call into it again.
    if (poisoned === undefined) engine?.free();
    await factory.close();
  }
}

/** An engine failure with the real cause filled in. */
export class SchemaEngineError extends Error {
  override readonly name = 'SchemaEngineError';
}

/**
 * Adapter errors reach us as "External error id#N": the real error waits in the factory's
 * registry. Panics leave their message in the panic registry.
 */
function explainEngineError(
  error: unknown,
  registry: { consumeError(id: number): { error: unknown } | undefined },
): Error {
  const message = error instanceof Error ? error.message : String(error);
  const external = /External error id#(\d+)/.exec(message);
  if (external) {
    const cause = registry.consumeError(Number(external[1]))?.error;
    const detail = cause instanceof Error ? cause.message : String(cause);
    // The engine's first line says what it was doing; the rest is its backtrace.
    const doing = message.split('\n')[0]!.trim();
    return new SchemaEngineError(`${doing}: ${detail}`, { cause });
  }
  return error instanceof Error ? error : new SchemaEngineError(message);
}
