import { isProbeable } from './active-prober.js';

describe('isProbeable', () => {
  it('probes Streamable HTTP upstreams and stateless stdio servers, never a stateful stdio server (its only session)', () => {
    expect(isProbeable({ transport: 'STREAMABLE_HTTP', stateless: false })).toBe(true);
    expect(isProbeable({ transport: 'STDIO', stateless: true })).toBe(true);
    expect(isProbeable({ transport: 'STDIO', stateless: false })).toBe(false);
  });
});
