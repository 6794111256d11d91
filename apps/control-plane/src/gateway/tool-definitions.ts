import { createHash } from 'node:crypto';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { canonicalJson } from './arguments-hmac.js';

/** What the gateway keeps of a tool from a server's `tools/list`: its call contract, and whether a lost call may be repeated. */
export interface ToolDefinition {
  name: string;
  inputSchema?: unknown;
  outputSchema?: unknown;
  /** The MCP annotations the gateway's retries read (docs/router.md, "Retries"); only `true` hints are kept. */
  annotations?: { readOnlyHint?: true; idempotentHint?: true };
}

/** One reason the arguments do not fit the schema: where (a JSON Pointer into the arguments) and what. */
export interface ArgumentProblem {
  path: string;
  message: string;
}

export type ArgumentsCheck =
  | { ok: true }
  /** The schema could not be compiled (an unknown draft, a broken $ref…): the call is not held back for it. */
  | { ok: true; unchecked: string }
  | { ok: false; problems: ArgumentProblem[] };

/** Problems reported per call at most: a list of thousands says no more than the first few. */
const MAX_PROBLEMS = 20;

/** The tools of a `tools/list` result, or undefined when it is not one. */
export function toolsOfListResult(result: unknown): ToolDefinition[] | undefined {
  const tools = (result as { tools?: unknown } | null)?.tools;
  if (!Array.isArray(tools)) return undefined;
  const definitions: ToolDefinition[] = [];
  for (const tool of tools) {
    if (tool === null || typeof tool !== 'object' || typeof (tool as { name?: unknown }).name !== 'string') return undefined;
    const { name, inputSchema, outputSchema } = tool as ToolDefinition;
    const annotations = retryHintsOf((tool as { annotations?: unknown }).annotations);
    definitions.push({ name, ...(inputSchema === undefined ? {} : { inputSchema }), ...(outputSchema === undefined ? {} : { outputSchema }), ...(annotations === undefined ? {} : { annotations }) });
  }
  return definitions;
}

function retryHintsOf(annotations: unknown): ToolDefinition['annotations'] {
  if (annotations === null || typeof annotations !== 'object') return undefined;
  const { readOnlyHint, idempotentHint } = annotations as Record<string, unknown>;
  if (readOnlyHint !== true && idempotentHint !== true) return undefined;
  return { ...(readOnlyHint === true ? { readOnlyHint } : {}), ...(idempotentHint === true ? { idempotentHint } : {}) };
}

/**
 * A version's `toolsHash`: SHA-256 (hex) of the canonical JSON of its tools' call contracts — name,
 * input schema, output schema — sorted by name. Two versions with the same hash take the same calls
 * and answer in the same shape, so a call may go to either (docs/concepts.md). Titles, descriptions
 * and annotations are left out: rewording a description does not change what a call may send.
 */
export function toolsHashOf(tools: readonly ToolDefinition[]): string {
  const contracts = [...tools]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((tool) => ({ name: tool.name, inputSchema: tool.inputSchema ?? null, outputSchema: tool.outputSchema ?? null }));
  return createHash('sha256').update(canonicalJson(contracts), 'utf8').digest('hex');
}

/**
 * Checks `tools/call` arguments against the tool's `inputSchema` (JSON Schema; 2020-12 when the
 * schema says so, as MCP 2025-11-25 makes the default, else draft-07 as the SDK does). Formats are
 * not checked: the upstream server knows its own formats, and a gateway that refused what the server
 * accepts would be worse than one that lets the server refuse. Compiled validators are kept per
 * schema object, so keep the definitions (ToolCatalog does).
 */
export class ToolArgumentsValidator {
  private readonly draft07 = new Ajv({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
  private readonly draft2020 = new Ajv2020({ strict: false, allErrors: true, validateFormats: false, validateSchema: false });
  private readonly compiled = new WeakMap<object, ValidateFunction | string>();

  check(tool: ToolDefinition, args: unknown): ArgumentsCheck {
    const schema = tool.inputSchema;
    if (schema === null || typeof schema !== 'object') return { ok: true };
    const validate = this.validatorOf(schema);
    if (typeof validate === 'string') return { ok: true, unchecked: validate };
    // MCP: absent arguments are an empty object.
    if (validate(args ?? {})) return { ok: true };
    return { ok: false, problems: (validate.errors ?? []).slice(0, MAX_PROBLEMS).map(problemOf) };
  }

  private validatorOf(schema: object): ValidateFunction | string {
    let validate = this.compiled.get(schema);
    if (validate === undefined) {
      const dialect = (schema as { $schema?: unknown }).$schema;
      const ajv = typeof dialect === 'string' && dialect.includes('2020-12') ? this.draft2020 : this.draft07;
      try {
        // Without $id, so that two tools with the same $id cannot clash in the shared instance.
        const { $id: _id, ...anonymous } = schema as Record<string, unknown>;
        validate = ajv.compile(anonymous);
      } catch (error) {
        validate = `the input schema could not be compiled: ${(error as Error).message}`;
      }
      this.compiled.set(schema, validate);
    }
    return validate;
  }
}

function problemOf(error: ErrorObject): ArgumentProblem {
  const missing = error.keyword === 'required' ? (error.params as { missingProperty?: string }).missingProperty : undefined;
  const extra = error.keyword === 'additionalProperties' ? (error.params as { additionalProperty?: string }).additionalProperty : undefined;
  const child = missing ?? extra;
  const path = child === undefined ? error.instancePath : `${error.instancePath}/${child.replace(/~/g, '~0').replace(/\//g, '~1')}`;
  return { path: path === '' ? '/' : path, message: error.message ?? error.keyword };
}
