import {
  renameListed,
  rewriteClientAnswer,
  rewriteContentBlock,
  rewriteNotification,
  rewritePromptResult,
  rewriteReadResult,
  rewriteResource,
  rewriteServerRequest,
  rewriteToolResult,
} from './upstream-rewrite.js';

const mapUri = (uri: string) => `gw/${uri}`;

describe('rewriting what an upstream sends to a /mcp client', () => {
  it('rewrites resource links and embedded resources in a tool result, and nothing else', () => {
    const result = {
      content: [
        { type: 'text', text: 'demo://not-a-uri-field' },
        { type: 'resource_link', uri: 'demo://a', name: 'a' },
        { type: 'resource', resource: { uri: 'demo://b', text: 'b' } },
      ],
      structuredContent: { uri: 'demo://c' },
    };

    expect(rewriteToolResult(result, mapUri)).toEqual({
      content: [
        { type: 'text', text: 'demo://not-a-uri-field' },
        { type: 'resource_link', uri: 'gw/demo://a', name: 'a' },
        { type: 'resource', resource: { uri: 'gw/demo://b', text: 'b' } },
      ],
      structuredContent: { uri: 'demo://c' },
    });
  });

  it('rewrites the URIs of read contents, listed resources, templates and prompt messages', () => {
    expect(rewriteReadResult({ contents: [{ uri: 'demo://a', text: 'x' }] }, mapUri)).toEqual({ contents: [{ uri: 'gw/demo://a', text: 'x' }] });
    expect(rewriteResource({ uri: 'demo://a', name: 'a' }, mapUri)).toEqual({ uri: 'gw/demo://a', name: 'a' });
    expect(rewriteResource({ uriTemplate: 'demo://{id}', name: 't' }, mapUri)).toEqual({ uriTemplate: 'gw/demo://{id}', name: 't' });
    expect(rewritePromptResult({ messages: [{ role: 'user', content: { type: 'resource_link', uri: 'demo://a', name: 'a' } }] }, mapUri)).toEqual({
      messages: [{ role: 'user', content: { type: 'resource_link', uri: 'gw/demo://a', name: 'a' } }],
    });
  });

  it('passes on what it does not know', () => {
    expect(rewriteContentBlock('text', mapUri)).toBe('text');
    expect(rewriteToolResult({ task: { taskId: 't' } }, mapUri)).toEqual({ task: { taskId: 't' } });
  });

  it('renames a listed tool and keeps its real name as the title when it had none', () => {
    expect(renameListed({ name: 'echo', inputSchema: {} }, 'everything__echo')).toEqual({ name: 'everything__echo', title: 'echo', inputSchema: {} });
    expect(renameListed({ name: 'echo', title: 'Echo' }, 'everything__echo')).toEqual({ name: 'everything__echo', title: 'Echo' });
  });
});

describe('rewriting an upstream notification for a /mcp client', () => {
  const mapId = (id: string | number) => `everything:${JSON.stringify(id)}`;

  it('rewrites resource updates, cancelled server requests and log sources; leaves the rest', () => {
    expect(rewriteNotification('everything', 'notifications/resources/updated', { uri: 'demo://a' }, mapUri, mapId)).toEqual({ uri: 'gw/demo://a' });
    expect(rewriteNotification('everything', 'notifications/cancelled', { requestId: 3, reason: 'r' }, mapUri, mapId)).toEqual({ requestId: 'everything:3', reason: 'r' });
    expect(rewriteNotification('everything', 'notifications/message', { level: 'info', data: 'x' }, mapUri, mapId)).toEqual({ level: 'info', data: 'x', logger: 'everything' });
    expect(rewriteNotification('everything', 'notifications/message', { level: 'info', data: 'x', logger: 'db' }, mapUri, mapId)).toEqual({ level: 'info', data: 'x', logger: 'everything/db' });
    expect(rewriteNotification('everything', 'notifications/tools/list_changed', {}, mapUri, mapId)).toEqual({});
  });

  it('gives the task of a task status, and the related task of any other notification, its /mcp id', () => {
    const related = { _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't1' } } };

    expect(rewriteNotification('everything', 'notifications/tasks/status', { taskId: 't1', status: 'completed' }, mapUri, mapId)).toEqual({ taskId: 'everything:t1', status: 'completed' });
    expect(rewriteNotification('everything', 'notifications/progress', related, mapUri, mapId)).toEqual({ _meta: { 'io.modelcontextprotocol/related-task': { taskId: 'everything:t1' } } });
  });
});

describe("rewriting a server's request to a /mcp client", () => {
  const mapToken = (token: string | number) => `everything:${JSON.stringify(token)}`;

  it('gives resources in the tool results of sampling messages gateway URIs, single blocks and arrays alike', () => {
    const params = {
      messages: [
        { role: 'assistant', content: { type: 'tool_use', id: 'u1', name: 'find', input: {} } },
        { role: 'user', content: { type: 'tool_result', toolUseId: 'u1', content: [{ type: 'resource_link', uri: 'demo://a', name: 'a' }] } },
        { role: 'user', content: [{ type: 'text', text: 'demo://not-a-uri' }, { type: 'tool_result', toolUseId: 'u1', content: [{ type: 'resource', resource: { uri: 'demo://b', text: 'b' } }] }] },
      ],
      maxTokens: 5,
    };

    expect(rewriteServerRequest('everything', 'sampling/createMessage', params, mapUri, mapToken)).toEqual({
      messages: [
        { role: 'assistant', content: { type: 'tool_use', id: 'u1', name: 'find', input: {} } },
        { role: 'user', content: { type: 'tool_result', toolUseId: 'u1', content: [{ type: 'resource_link', uri: 'gw/demo://a', name: 'a' }] } },
        { role: 'user', content: [{ type: 'text', text: 'demo://not-a-uri' }, { type: 'tool_result', toolUseId: 'u1', content: [{ type: 'resource', resource: { uri: 'gw/demo://b', text: 'b' } }] }] },
      ],
      maxTokens: 5,
    });
  });

  it('gives a progress token and a related task the server in them, and leaves an elicitation otherwise as it is', () => {
    const params = { message: 'm', requestedSchema: { type: 'object', properties: {} }, _meta: { progressToken: 4, 'io.modelcontextprotocol/related-task': { taskId: 't' } } };

    expect(rewriteServerRequest('everything', 'elicitation/create', params, mapUri, mapToken)).toEqual({
      ...params,
      _meta: { progressToken: 'everything:4', 'io.modelcontextprotocol/related-task': { taskId: 'everything:t' } },
    });
  });
});

describe("rewriting a /mcp client's answer to a server's request", () => {
  it("gives a sampling result's resources of that server their own URIs again, and leaves another server's", () => {
    const result = {
      role: 'assistant',
      model: 'm',
      content: [
        { type: 'text', text: 'switchyard://everything/demo://a' },
        { type: 'tool_result', toolUseId: 'u1', content: [{ type: 'resource_link', uri: 'switchyard://everything/demo://a', name: 'a' }, { type: 'resource_link', uri: 'switchyard://files/file:///b', name: 'b' }] },
      ],
      _meta: { 'io.modelcontextprotocol/related-task': { taskId: 'everything:t' } },
    };

    expect(rewriteClientAnswer('everything', result)).toEqual({
      ...result,
      content: [
        { type: 'text', text: 'switchyard://everything/demo://a' },
        { type: 'tool_result', toolUseId: 'u1', content: [{ type: 'resource_link', uri: 'demo://a', name: 'a' }, { type: 'resource_link', uri: 'switchyard://files/file:///b', name: 'b' }] },
      ],
      _meta: { 'io.modelcontextprotocol/related-task': { taskId: 't' } },
    });
  });

  it('leaves an elicitation answer as it is', () => {
    const answer = { action: 'accept', content: { uri: 'switchyard://everything/demo://a' } };

    expect(rewriteClientAnswer('everything', answer)).toEqual(answer);
  });
});
