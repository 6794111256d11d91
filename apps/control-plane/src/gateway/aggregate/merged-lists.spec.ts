import { ApiKeyRole } from '@switchyard/db';
import type { Principal } from '../../auth/principal.js';
import { ShortNames } from './gateway-names.js';
import { decodeListCursor } from './list-cursor.js';
import { mergePages } from './merged-lists.js';

const key = (over: Partial<Principal> = {}): Principal => ({ keyId: 'k', name: 'k', role: ApiKeyRole.AGENT, scopes: ['mcp:call'], allowedServers: [], allowedTools: [], ...over });
const LONG = 'echo-with-a-name-much-longer-than-sixty-four-characters-in-total';

describe('merging the lists of several servers on /mcp', () => {
  it('puts every server page in one list under gateway names, and composes one cursor of the servers with more', () => {
    const issued: string[] = [];

    const sut = mergePages(
      'tools/list',
      [
        { server: 'everything', items: [{ name: 'echo', inputSchema: {} }], next: 'e-2' },
        { server: 'fixture', items: [{ name: 'echo' }, { name: LONG }] },
      ],
      key(),
      new ShortNames(),
      (short) => issued.push(short),
    );

    expect((sut.tools as Array<{ name: string }>).map((tool) => tool.name)).toEqual(['everything__echo', 'fixture__echo', issued[0]]);
    expect(issued).toHaveLength(1);
    expect(decodeListCursor(sut.nextCursor as string)).toEqual({ everything: 'e-2' });
  });

  it('has no cursor on the last page', () => {
    expect(mergePages('prompts/list', [{ server: 'everything', items: [{ name: 'simple' }] }], key(), new ShortNames(), () => undefined)).toEqual({
      prompts: [{ name: 'everything__simple', title: 'simple' }],
    });
  });

  it('leaves out the tools the key may not call', () => {
    const sut = mergePages('tools/list', [{ server: 'fixture', items: [{ name: 'echo' }, { name: 'add-tool' }] }], key({ allowedTools: ['fixture__echo'] }), new ShortNames(), () => undefined);

    expect(sut.tools).toEqual([{ name: 'fixture__echo', title: 'echo' }]);
  });

  it('gives resources and templates gateway URIs', () => {
    expect(mergePages('resources/list', [{ server: 'everything', items: [{ uri: 'demo://a', name: 'a' }] }], key(), new ShortNames(), () => undefined)).toEqual({
      resources: [{ uri: 'switchyard://everything/demo://a', name: 'a' }],
    });
    expect(mergePages('resources/templates/list', [{ server: 'everything', items: [{ uriTemplate: 'demo://{id}', name: 't' }] }], key(), new ShortNames(), () => undefined)).toEqual({
      resourceTemplates: [{ uriTemplate: 'switchyard://everything/demo://{id}', name: 't' }],
    });
  });

  it('merges the tasks of several servers under gateway task ids, with one cursor', () => {
    const sut = mergePages(
      'tasks/list',
      [
        { server: 'everything', items: [{ taskId: 't1', status: 'working' }], next: 'p2' },
        { server: 'files', items: [{ taskId: 't1', status: 'completed' }] },
      ],
      key(),
      new ShortNames(),
      () => undefined,
    );

    expect(sut.tasks).toEqual([
      { taskId: 'everything:t1', status: 'working' },
      { taskId: 'files:t1', status: 'completed' },
    ]);
    expect(decodeListCursor(sut.nextCursor as string)).toEqual({ everything: 'p2' });
  });
});
