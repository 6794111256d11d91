import { ToolCatalog } from './tool-catalog.js';
import { toolsHashOf, type ToolDefinition } from './tool-definitions.js';

const echo: ToolDefinition = { name: 'echo', inputSchema: { type: 'object' } };
const add: ToolDefinition = { name: 'add', inputSchema: { type: 'object', required: ['a'] } };

describe('ToolCatalog', () => {
  it('keeps the tools of a listed version by name, with their hash', async () => {
    const sut = new ToolCatalog();

    sut.listed('v1', [echo, add]);
    const tools = await sut.toolsOf('v1', () => Promise.reject(new Error('must not fetch a listed version')));

    expect(tools?.byName.get('add')).toBe(add);
    expect(tools?.toolsHash).toBe(toolsHashOf([echo, add]));
  });

  it('fetches an unknown version once for calls that ask at the same time', async () => {
    const sut = new ToolCatalog();
    let fetches = 0;
    const fetch = async () => {
      fetches += 1;
      return [echo];
    };

    const [first, second] = await Promise.all([sut.toolsOf('v1', fetch), sut.toolsOf('v1', fetch)]);
    await sut.toolsOf('v1', fetch);

    expect(fetches).toBe(1);
    expect(first).toBe(second);
    expect(first?.byName.has('echo')).toBe(true);
  });

  it('fetches again after a failed fetch, and after the version was forgotten (list_changed)', async () => {
    const sut = new ToolCatalog();
    let fetches = 0;

    expect(await sut.toolsOf('v1', async () => (fetches++, undefined))).toBeUndefined();
    await sut.toolsOf('v1', async () => (fetches++, [echo]));
    sut.forget('v1');
    const refreshed = await sut.toolsOf('v1', async () => (fetches++, [echo, add]));

    expect(fetches).toBe(3);
    expect(refreshed?.byName.has('add')).toBe(true);
  });

  it('holds at most maxVersions versions, dropping the one filled longest ago', async () => {
    const sut = new ToolCatalog(2);
    sut.listed('v1', [echo]);
    sut.listed('v2', [echo]);
    sut.listed('v3', [echo]);
    let fetched: string[] = [];
    const fetch = (id: string) => async () => (fetched.push(id), [add]);

    fetched = [];
    await sut.toolsOf('v3', fetch('v3'));
    await sut.toolsOf('v2', fetch('v2'));
    await sut.toolsOf('v1', fetch('v1'));

    expect(fetched).toEqual(['v1']);
  });

  it('tells what it knows without fetching: nothing before a list, the list after, nothing once forgotten', () => {
    const sut = new ToolCatalog();
    expect(sut.known('v1')).toBeUndefined();

    sut.listed('v1', [echo]);
    expect(sut.known('v1')?.byName.get('echo')).toEqual(echo);

    sut.forget('v1');
    expect(sut.known('v1')).toBeUndefined();
  });
});
