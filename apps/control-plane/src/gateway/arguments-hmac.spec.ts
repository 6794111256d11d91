import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { argumentsHmac, canonicalJson } from './arguments-hmac.js';

describe('argument HMAC', () => {
  const key = randomBytes(32);

  it('sorts keys at every depth and keeps array order', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('is the HMAC-SHA256 of the canonical JSON, never the arguments', () => {
    const args = { message: 'secret text' };
    const hmac = argumentsHmac(key, args);

    expect(hmac).toBe(createHmac('sha256', key).update('{"message":"secret text"}').digest('hex'));
    expect(hmac).not.toContain('secret');
    expect(argumentsHmac(key, undefined)).toBe(argumentsHmac(key, {}));
    expect(argumentsHmac(randomBytes(32), args)).not.toBe(hmac);
  });

  it('does not depend on key order (property)', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (object) => {
        const reversed = Object.fromEntries(Object.entries(object).reverse());
        expect(argumentsHmac(key, reversed)).toBe(argumentsHmac(key, object));
        expect(JSON.parse(canonicalJson(object))).toEqual(JSON.parse(JSON.stringify(object)));
      }),
    );
  });
});
