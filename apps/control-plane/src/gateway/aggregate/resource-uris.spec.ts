import fc from 'fast-check';
import { fromGatewayUri, toGatewayUri } from './resource-uris.js';

const serverName = fc.stringMatching(/^[a-z0-9-]{1,32}$/);

describe('resource URIs on /mcp', () => {
  it('puts the server in front of the original URI, readable', () => {
    expect(toGatewayUri('everything', 'demo://resource/static/document/architecture.md')).toBe('switchyard://everything/demo://resource/static/document/architecture.md');
  });

  it('maps any URI back exactly, whatever it contains (property)', () => {
    fc.assert(
      fc.property(serverName, fc.string({ unit: 'binary' }), (server, uri) => {
        expect(fromGatewayUri(toGatewayUri(server, uri))).toEqual({ server, uri });
      }),
    );
  });

  it('keeps a template a template: its expansion maps back to the server expansion', () => {
    const template = toGatewayUri('files', 'file:///{path}');
    const expanded = template.replace('{path}', 'etc/hosts');

    expect(fromGatewayUri(expanded)).toEqual({ server: 'files', uri: 'file:///etc/hosts' });
  });

  it('refuses URIs that are not in gateway form', () => {
    expect(fromGatewayUri('demo://resource/1')).toBeUndefined();
    expect(fromGatewayUri('switchyard://Everything/x')).toBeUndefined();
    expect(fromGatewayUri('switchyard://everything')).toBeUndefined();
  });
});
