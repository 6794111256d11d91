import { z } from 'zod';
import { decode, encode, parseMessage } from './codec.js';
import { DomainError, ErrorCode } from './errors.js';
import { callMessageSchema } from './messages/call.js';
import { controlMessageSchema } from './messages/control.js';
import { protocolVersionField } from './messages/fields.js';

const bytes = (text: string) => new TextEncoder().encode(text);
const json = (value: unknown) => bytes(JSON.stringify(value));
const drain = { v: 1, type: 'drain', graceMs: 1000 } as const;

function errorOf(work: () => unknown): DomainError {
  try {
    work();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('encode / decode', () => {
  it('round-trips a message as UTF-8 JSON', () => {
    const encoded = encode(controlMessageSchema, drain);
    expect(new TextDecoder().decode(encoded)).toBe('{"v":1,"type":"drain","graceMs":1000}');
    expect(decode(controlMessageSchema, encoded)).toEqual(drain);
  });

  it('checks the version before the shape, so an old runner is told to upgrade', () => {
    const error = errorOf(() => decode(controlMessageSchema, json({ v: 0, kind: 'something-v0-had' })));
    expect(error.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(error.message).toBe('runner protocol version 0 is not supported: this control plane accepts 1 (upgrade switchyard-runner)');
  });

  it('refuses a message without a version', () => {
    expect(errorOf(() => decode(controlMessageSchema, json({ type: 'drain', graceMs: 1 }))).message).toMatch(/^message carries no runner protocol version/);
  });

  it('lists every schema problem as path: message, naming the message', () => {
    const error = errorOf(() => decode(callMessageSchema, json({ v: 1, callId: 'c.1', sessionId: 's-1', deploymentId: 'd', versionId: 'v', message: {} })));
    expect(error.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(error.message).toMatch(/^invalid call: callId: must be 1-64 letters, digits or dashes; message\.jsonrpc: /);
    expect(error.details.fields?.map((f) => f.path)).toEqual(['callId', 'message.jsonrpc', 'message.method']);
  });

  it("reports the closest branch of a union, not zod's bare 'Invalid input'", () => {
    const message = { jsonrpc: '2.0', id: 1, method: 42 };
    const error = errorOf(() => decode(callMessageSchema, json({ v: 1, callId: 'c', sessionId: 's', deploymentId: 'd', versionId: 'v', message })));
    expect(error.details.fields).toEqual([{ path: 'message.method', message: 'Invalid input: expected string, received number' }]);
  });

  it.each([
    ['not JSON', bytes('{"v":1,'), /^invalid control message: not UTF-8 JSON \(7 bytes\)$/],
    ['broken UTF-8', new Uint8Array([0x7b, 0xff, 0x7d]), /not UTF-8 JSON/],
    ['a JSON array', json([drain]), /^invalid control message: expected a JSON object$/],
    ['JSON null', json(null), /expected a JSON object/],
  ])('refuses %s', (_, input, message) => {
    const error = errorOf(() => decode(controlMessageSchema, input));
    expect(error.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(error.message).toMatch(message);
  });

  it('ignores fields it does not know, so adding an optional field needs no version bump', () => {
    expect(decode(controlMessageSchema, json({ ...drain, addedInALaterRelease: true }))).toEqual(drain);
  });

  it('refuses to encode an invalid message, so a sender cannot emit what its peer refuses', () => {
    const error = errorOf(() => encode(controlMessageSchema, { v: 1, type: 'drain', graceMs: -5 }));
    expect(error.code).toBe(ErrorCode.PROTOCOL_ERROR);
    expect(error.details.fields).toEqual([{ path: 'graceMs', message: 'Too small: expected number to be >=0' }]);
  });

  it('parses an already-parsed body (the HTTPS enroll) with the same rules', () => {
    expect(parseMessage(controlMessageSchema, drain)).toEqual(drain);
    expect(errorOf(() => parseMessage(controlMessageSchema, { v: 2, type: 'drain', graceMs: 1 })).message).toMatch(/version 2 is not supported.*upgrade the control plane/);
  });

  it('names a message without a description generically, and the version field alone says why', () => {
    const schema = z.object({ v: protocolVersionField, n: z.int() });
    expect(errorOf(() => decode(schema, json({ v: 1, n: 'x' }))).message).toMatch(/^invalid message: n: /);
    expect(schema.safeParse({ v: 9, n: 1 }).error?.issues[0]?.message).toBe('runner protocol version 9 is not supported: this control plane accepts 1 (upgrade the control plane)');
  });
});
