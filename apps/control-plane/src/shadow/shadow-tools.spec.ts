import { normalizeShadowTools } from './shadow-tools.js';

describe('normalizeShadowTools', () => {
  it('sorts and removes duplicates', () => {
    expect(normalizeShadowTools(['search', 'echo', 'search'])).toEqual({ tools: ['echo', 'search'], problems: [] });
  });

  it('names each bad entry by its index', () => {
    expect(normalizeShadowTools(['echo', ' ', 'x'.repeat(129)]).problems).toEqual([
      { path: 'shadowTools.1', message: 'must be a tool name without surrounding spaces' },
      { path: 'shadowTools.2', message: 'at most 128 characters' },
    ]);
  });
});
