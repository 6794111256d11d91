import fc from 'fast-check';
import { gatewayName, MAX_NAME_LENGTH, ShortNames, splitGatewayName } from './gateway-names.js';

const serverName = fc.stringMatching(/^[a-z0-9-]{1,32}$/);
const toolName = fc.string({ minLength: 1, maxLength: 128 });

describe('tool and prompt names on /mcp', () => {
  it('prefixes the server with two underscores when that fits in 64 characters', () => {
    expect(gatewayName('everything', 'echo')).toBe('everything__echo');
    expect(splitGatewayName('everything__echo')).toEqual({ server: 'everything', name: 'echo' });
  });

  it('splits at the first separator: the rest of the name may contain underscores', () => {
    expect(splitGatewayName('files__read__all')).toEqual({ server: 'files', name: 'read__all' });
    expect(splitGatewayName('files___private')).toEqual({ server: 'files', name: '_private' });
  });

  it('names no server without a separator, with an empty name, or with a server name that cannot exist', () => {
    expect(splitGatewayName('echo')).toBeUndefined();
    expect(splitGatewayName('__echo')).toBeUndefined();
    expect(splitGatewayName('files__')).toBeUndefined();
    expect(splitGatewayName('Files__echo')).toBeUndefined();
  });

  it('shortens a long name to 64 characters that still start with the server, the same way every time', () => {
    const long = gatewayName('everything-with-a-long-long-name', 'trigger-elicitation-request-async');

    expect(long).toHaveLength(MAX_NAME_LENGTH);
    expect(long.startsWith('everything-with-a-long-long-name__trigger-')).toBe(true);
    expect(gatewayName('everything-with-a-long-long-name', 'trigger-elicitation-request-async')).toBe(long);
    expect(gatewayName('everything-with-a-long-long-name', 'trigger-elicitation-request-asynd')).not.toBe(long);
  });

  it('maps every name it hands out back to the server and the real name (property)', () => {
    fc.assert(
      fc.property(serverName, toolName, (server, name) => {
        const sut = new ShortNames();
        const { gateway } = sut.name(server, name);

        expect(gateway.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
        expect(splitGatewayName(gateway)?.server).toBe(server);
        expect(sut.resolve(gateway)).toEqual({ server, name });
      }),
    );
  });

  it('reports a short form only once, as added, and restores from persisted entries', () => {
    const sut = new ShortNames();
    const first = sut.name('everything-with-a-long-long-name', 'trigger-elicitation-request-async');
    const again = sut.name('everything-with-a-long-long-name', 'trigger-elicitation-request-async');
    const short = sut.name('everything', 'echo');
    const restored = new ShortNames([[first.gateway, { server: 'everything-with-a-long-long-name', name: 'trigger-elicitation-request-async' }]]);

    expect([first.added, again.added, short.added]).toEqual([true, false, false]);
    expect(restored.resolve(first.gateway)).toEqual({ server: 'everything-with-a-long-long-name', name: 'trigger-elicitation-request-async' });
    expect(new ShortNames().unknownShortForm(first.gateway)).toBe(true);
    expect(restored.unknownShortForm(first.gateway)).toBe(false);
  });
});
