import { ToolArgumentsValidator, toolsHashOf, toolsOfListResult, type ToolDefinition } from './tool-definitions.js';

const echo: ToolDefinition = { name: 'echo', inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } };
const add: ToolDefinition = { name: 'add', inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'], additionalProperties: false } };

describe('toolsOfListResult', () => {
  it('keeps name and schemas of each tool, and of its annotations only the true retry hints', () => {
    const tools = toolsOfListResult({
      tools: [
        { ...echo, description: 'Echoes', annotations: { readOnlyHint: true, idempotentHint: false, destructiveHint: false, title: 'Echo' } },
        { ...add, annotations: { readOnlyHint: false, idempotentHint: true } },
        { name: 'plain', annotations: { readOnlyHint: 'yes' } },
      ],
      nextCursor: undefined,
    });

    expect(tools).toEqual([{ ...echo, annotations: { readOnlyHint: true } }, { ...add, annotations: { idempotentHint: true } }, { name: 'plain' }]);
  });

  it('leaves annotations out of the toolsHash', () => {
    expect(toolsHashOf([{ ...echo, annotations: { readOnlyHint: true } }])).toBe(toolsHashOf([echo]));
  });

  it('says undefined for what is not a tools/list result', () => {
    expect(toolsOfListResult({ resources: [] })).toBeUndefined();
    expect(toolsOfListResult({ tools: [{ description: 'no name' }] })).toBeUndefined();
    expect(toolsOfListResult(null)).toBeUndefined();
  });
});

describe('toolsHashOf', () => {
  it('does not depend on the order of the tools or of the keys in their schemas', () => {
    const reordered: ToolDefinition = { name: 'echo', inputSchema: { required: ['message'], properties: { message: { type: 'string' } }, type: 'object' } };

    expect(toolsHashOf([echo, add])).toBe(toolsHashOf([add, reordered]));
    expect(toolsHashOf([echo])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('changes with an input schema, an output schema or a tool more', () => {
    const base = toolsHashOf([echo]);

    expect(toolsHashOf([{ ...echo, inputSchema: { type: 'object' } }])).not.toBe(base);
    expect(toolsHashOf([{ ...echo, outputSchema: { type: 'object' } }])).not.toBe(base);
    expect(toolsHashOf([echo, add])).not.toBe(base);
  });
});

describe('ToolArgumentsValidator', () => {
  const sut = new ToolArgumentsValidator();

  it('accepts arguments that fit the schema', () => {
    expect(sut.check(add, { a: 1, b: 2 })).toEqual({ ok: true });
  });

  it('names the path of every problem: a wrong type, a missing property, an extra one', () => {
    const check = sut.check(add, { a: 'one', c: 3 });

    expect(check.ok).toBe(false);
    expect(check.ok === false && check.problems).toEqual(
      expect.arrayContaining([
        { path: '/a', message: 'must be number' },
        { path: '/b', message: "must have required property 'b'" },
        { path: '/c', message: 'must NOT have additional properties' },
      ]),
    );
  });

  it('takes absent arguments for an empty object', () => {
    expect(sut.check(echo, undefined)).toMatchObject({ ok: false, problems: [{ path: '/message' }] });
    expect(sut.check({ name: 'none', inputSchema: { type: 'object' } }, undefined)).toEqual({ ok: true });
  });

  it('reads 2020-12 schemas (prefixItems) when they say so', () => {
    const pair: ToolDefinition = {
      name: 'pair',
      inputSchema: { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object', properties: { p: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'number' }] } } },
    };

    expect(sut.check(pair, { p: ['x', 1] })).toEqual({ ok: true });
    expect(sut.check(pair, { p: [1, 'x'] })).toMatchObject({ ok: false, problems: expect.arrayContaining([{ path: '/p/0', message: 'must be string' }]) });
  });

  it('lets a call through, unchecked, when its schema cannot be compiled', () => {
    const broken: ToolDefinition = { name: 'broken', inputSchema: { type: 'object', properties: { x: { $ref: '#/definitions/missing' } } } };

    expect(sut.check(broken, { x: 1 })).toMatchObject({ ok: true, unchecked: expect.stringContaining('could not be compiled') });
  });

  it('does not mix up two tools whose schemas have the same $id', () => {
    const first: ToolDefinition = { name: 'a', inputSchema: { $id: 'urn:args', type: 'object', required: ['x'] } };
    const second: ToolDefinition = { name: 'b', inputSchema: { $id: 'urn:args', type: 'object', required: ['y'] } };

    expect(sut.check(first, { x: 1 })).toEqual({ ok: true });
    expect(sut.check(second, { y: 1 })).toEqual({ ok: true });
  });
});
