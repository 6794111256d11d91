import { ApiKeyRole } from '@switchyard/db';
import type { Principal } from '../../auth/principal.js';
import { scopeInForce, SessionView } from './session-view.js';

const key = (over: Partial<Principal> = {}): Principal => ({ keyId: 'k', name: 'k', role: ApiKeyRole.AGENT, scopes: ['mcp:call'], allowedServers: [], allowedTools: [], ...over });

const listedView = (principal: Principal, served = ['everything', 'files']): SessionView => {
  const sut = new SessionView();
  sut.listed(served, principal);
  sut.toolsListed([{ server: 'everything', names: ['echo', 'get-sum'] }], true);
  sut.toolsListed([{ server: 'files', names: ['read'] }], false); // the next page
  return sut;
};

describe('what an aggregated session sees', () => {
  it('reports nothing before the client listed anything', () => {
    const sut = new SessionView();

    expect(sut.changed(['everything'], key({ allowedServers: ['files'] }))).toEqual([]);
  });

  it('reports every list when the key is narrowed to fewer of the served servers', () => {
    const sut = listedView(key());

    expect(sut.changed(['everything', 'files'], key({ allowedServers: ['files'] }))).toEqual(['tools', 'prompts', 'resources']);
  });

  it('reports every list when the key is widened to a served server it did not see', () => {
    const sut = listedView(key({ allowedServers: ['files'] }));

    expect(sut.changed(['everything', 'files'], key())).toEqual(['tools', 'prompts', 'resources']);
  });

  it('reports nothing when the key is widened to a server nobody serves', () => {
    const sut = listedView(key({ allowedServers: ['files'] }));

    expect(sut.changed(['everything', 'files'], key({ allowedServers: ['files', 'gone'] }))).toEqual([]);
  });

  it('reports only the tools when the tools allowed on the same servers change what is visible', () => {
    const sut = listedView(key({ allowedTools: ['everything__echo', 'files__read'] }));

    expect(sut.changed(['everything', 'files'], key({ allowedTools: ['everything__echo'] }))).toEqual(['tools']);
  });

  it('reports nothing when the allowed tools change only by tools no server listed', () => {
    const sut = listedView(key({ allowedTools: ['everything__echo'] }));

    expect(sut.changed(['everything', 'files'], key({ allowedTools: ['everything__echo', 'everything__not-a-tool'] }))).toEqual([]);
  });

  it('moves on to what it reported: the same change is reported once', () => {
    const sut = listedView(key());
    const narrowed = key({ allowedServers: ['files'] });

    const first = sut.changed(['everything', 'files'], narrowed);
    const second = sut.changed(['everything', 'files'], narrowed);

    expect(first).toHaveLength(3);
    expect(second).toEqual([]);
  });

  it('reports every list when a served server goes away under the same key', () => {
    const sut = listedView(key());

    expect(sut.changed(['files'], key())).toEqual(['tools', 'prompts', 'resources']);
  });

  it('starts the tools afresh with a first page of tools/list', () => {
    const sut = listedView(key({ allowedTools: ['everything__echo', 'files__read'] }));
    sut.toolsListed([{ server: 'everything', names: ['echo'] }], true); // files listed no tools this time

    expect(sut.changed(['everything', 'files'], key({ allowedTools: ['everything__echo'] }))).toEqual([]);
  });
});

describe('the key scope a session acts on', () => {
  const cached = key({ allowedServers: ['everything'] });
  const swept = key({ allowedServers: ['files'] });

  it("uses the sweep's scope while a cached key check could be older than it", () => {
    expect(scopeInForce(cached, { principal: swept, at: 1_000 }, 5_999, 5_000)).toBe(swept);
  });

  it("uses the request's scope once any cached check is younger than the sweep", () => {
    expect(scopeInForce(cached, { principal: swept, at: 1_000 }, 6_000, 5_000)).toBe(cached);
  });

  it("uses the request's scope without a sweep, with no key cache, or for another key", () => {
    expect(scopeInForce(cached, undefined, 1_000, 5_000)).toBe(cached);
    expect(scopeInForce(cached, { principal: swept, at: 1_000 }, 1_000, 0)).toBe(cached);
    expect(scopeInForce(cached, { principal: key({ keyId: 'other' }), at: 1_000 }, 1_000, 5_000)).toBe(cached);
  });
});
