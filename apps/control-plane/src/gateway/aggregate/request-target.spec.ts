import { ShortNames } from './gateway-names.js';
import { requestTarget } from './request-target.js';

const names = new ShortNames();
const resolve = (name: string) => names.resolve(name);

describe('where a /mcp client request goes', () => {
  it('sends a tool call to the server in its name, with the real tool name', () => {
    expect(requestTarget('tools/call', { name: 'everything__echo', arguments: { message: 'x' } }, resolve)).toEqual({
      ok: true,
      server: 'everything',
      params: { name: 'echo', arguments: { message: 'x' } },
      answer: 'tool-result',
      tool: 'echo',
    });
  });

  it('maps a short form back to the long name it stands for', () => {
    const { gateway } = names.name('everything-with-a-long-long-name', 'trigger-elicitation-request-async');

    expect(requestTarget('tools/call', { name: gateway }, resolve)).toMatchObject({ server: 'everything-with-a-long-long-name', tool: 'trigger-elicitation-request-async' });
  });

  it('sends a prompt, a resource read and a completion to their servers with the server names and URIs', () => {
    expect(requestTarget('prompts/get', { name: 'everything__simple-prompt' }, resolve)).toMatchObject({ server: 'everything', params: { name: 'simple-prompt' }, answer: 'prompt' });
    expect(requestTarget('resources/read', { uri: 'switchyard://everything/demo://resource/1' }, resolve)).toMatchObject({ server: 'everything', params: { uri: 'demo://resource/1' }, answer: 'read' });
    expect(requestTarget('resources/subscribe', { uri: 'switchyard://files/file:///a' }, resolve)).toMatchObject({ server: 'files', params: { uri: 'file:///a' }, answer: 'plain' });
    expect(requestTarget('completion/complete', { ref: { type: 'ref/prompt', name: 'everything__args' }, argument: { name: 'a', value: 'b' } }, resolve)).toMatchObject({
      server: 'everything',
      params: { ref: { type: 'ref/prompt', name: 'args' } },
    });
    expect(requestTarget('completion/complete', { ref: { type: 'ref/resource', uri: 'switchyard://everything/demo://{id}' } }, resolve)).toMatchObject({
      server: 'everything',
      params: { ref: { type: 'ref/resource', uri: 'demo://{id}' } },
    });
  });

  it('sends tasks/get, tasks/result and tasks/cancel to the server their task id names, with its own id', () => {
    expect(requestTarget('tasks/get', { taskId: 'everything:1f0e' }, resolve)).toEqual({ ok: true, server: 'everything', params: { taskId: '1f0e' }, answer: 'task' });
    expect(requestTarget('tasks/result', { taskId: 'files:a:b' }, resolve)).toMatchObject({ server: 'files', params: { taskId: 'a:b' }, answer: 'task-result' });
    expect(requestTarget('tasks/cancel', { taskId: 'everything:1f0e' }, resolve)).toMatchObject({ server: 'everything', answer: 'task' });
    expect(requestTarget('tasks/get', { taskId: '1f0e' }, resolve).ok).toBe(false);
  });

  it('refuses names without a server and URIs not in gateway form', () => {
    expect(requestTarget('tools/call', { name: 'echo' }, resolve).ok).toBe(false);
    expect(requestTarget('tools/call', {}, resolve).ok).toBe(false);
    expect(requestTarget('resources/read', { uri: 'demo://resource/1' }, resolve).ok).toBe(false);
    expect(requestTarget('completion/complete', { ref: { type: 'ref/other' } }, resolve).ok).toBe(false);
  });
});
