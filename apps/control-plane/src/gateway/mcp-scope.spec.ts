import { ApiKeyRole } from '@switchyard/db';
import type { Principal } from '../auth/principal.js';
import { mayCallTool, mayUseGateway, mayUseServer } from './mcp-scope.js';

const key = (over: Partial<Principal> = {}): Principal => ({ keyId: 'k', name: 'k', role: ApiKeyRole.AGENT, scopes: ['mcp:call'], allowedServers: [], allowedTools: [], ...over });

describe('MCP scope of an API key', () => {
  it('needs mcp:call for anything', () => {
    const viewer = key({ role: ApiKeyRole.VIEWER, scopes: [] });

    expect(mayUseGateway(viewer)).toBe(false);
    expect(mayUseServer(viewer, 'everything')).toBe(false);
    expect(mayCallTool(viewer, 'everything', 'echo')).toBe(false);
    expect(mayCallTool(key(), 'everything', 'echo')).toBe(true);
  });

  it('narrows to the listed servers', () => {
    const narrowed = key({ allowedServers: ['filesystem'] });

    expect(mayUseServer(narrowed, 'filesystem')).toBe(true);
    expect(mayUseServer(narrowed, 'everything')).toBe(false);
    expect(mayCallTool(narrowed, 'everything', 'echo')).toBe(false);
  });

  it('narrows to the listed <server>__<tool> names', () => {
    const narrowed = key({ allowedTools: ['everything__echo'] });

    expect(mayCallTool(narrowed, 'everything', 'echo')).toBe(true);
    expect(mayCallTool(narrowed, 'everything', 'get-sum')).toBe(false);
    expect(mayCallTool(narrowed, 'other', 'echo')).toBe(false);
    expect(mayUseServer(narrowed, 'other')).toBe(true);
  });
});
