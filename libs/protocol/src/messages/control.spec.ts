import { controlMessageSchema, type ControlMessage } from './control.js';

const stdio = { transport: 'STDIO', command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'], env: { LOG_LEVEL: 'info' }, secretEnv: ['API_TOKEN'] };
const placement = { deploymentId: 'd-1', versionId: 'v-1', serverName: 'everything', launch: stdio, artifactIntegrity: 'sha512-AbC+/9==', stateless: false };
const assignment = { v: 1, type: 'assignment', seq: 3, placements: [placement] };

function problems(value: unknown): string[] {
  const result = controlMessageSchema.safeParse(value);
  return result.error?.issues.map((issue) => issue.path.join('.')) ?? [];
}

describe('control messages on sy.run.<id>.ctl', () => {
  it.each<[string, ControlMessage]>([
    ['an assignment', assignment as ControlMessage],
    ['an empty assignment (stop everything)', { v: 1, type: 'assignment', seq: 4, placements: [] }],
    [
      'an assignment of a Streamable HTTP server',
      { v: 1, type: 'assignment', seq: 5, placements: [{ deploymentId: 'd-2', versionId: 'v-2', serverName: 'web', launch: { transport: 'STREAMABLE_HTTP', url: 'http://127.0.0.1:8080/mcp' }, stateless: true }] },
    ],
    ['secrets', { v: 1, type: 'secrets', versionId: 'v-1', values: { API_TOKEN: 's3cret' } }],
    ['a cancel', { v: 1, type: 'cancel', callId: 'c-1', sessionId: 's-1', reason: 'client cancelled' }],
    ['a drain', { v: 1, type: 'drain', graceMs: 30_000 }],
    ['a close-session', { v: 1, type: 'close-session', sessionId: 's-1', reason: 'client ended the session' }],
  ])('accepts %s', (_, message) => {
    expect(controlMessageSchema.parse(message)).toEqual(message);
  });

  it.each([
    ['an unknown type', { v: 1, type: 'reboot' }, 'type'],
    ['a deployment listed twice', { ...assignment, placements: [placement, placement] }, 'placements'],
    ['a STDIO launch without command', { ...assignment, placements: [{ ...placement, launch: { ...stdio, command: '' } }] }, 'placements.0.launch.command'],
    ['a variable both plain and secret', { ...assignment, placements: [{ ...placement, launch: { ...stdio, env: { API_TOKEN: 'x' } } }] }, 'placements.0.launch.secretEnv'],
    ['a bad variable name', { ...assignment, placements: [{ ...placement, launch: { ...stdio, secretEnv: ['1X'] } }] }, 'placements.0.launch.secretEnv.0'],
    ['a non-HTTP upstream URL', { ...assignment, placements: [{ ...placement, launch: { transport: 'STREAMABLE_HTTP', url: 'file:///etc/passwd' } }] }, 'placements.0.launch.url'],
    ['an integrity that is not SRI', { ...assignment, placements: [{ ...placement, artifactIntegrity: 'md5-abc' }] }, 'placements.0.artifactIntegrity'],
    ['a server name with an underscore', { ...assignment, placements: [{ ...placement, serverName: 'a_b' }] }, 'placements.0.serverName'],
    ['secrets for a bad variable name', { v: 1, type: 'secrets', versionId: 'v-1', values: { 'A-B': 'x' } }, 'values.A-B'],
    ['a cancel without reason', { v: 1, type: 'cancel', callId: 'c-1', sessionId: 's-1', reason: '' }, 'reason'],
    ['a cancel for an unsafe session id', { v: 1, type: 'cancel', callId: 'c-1', sessionId: 's.1', reason: 'r' }, 'sessionId'],
    ['a close-session without reason', { v: 1, type: 'close-session', sessionId: 's-1', reason: '' }, 'reason'],
    ['a close-session for an unsafe session id', { v: 1, type: 'close-session', sessionId: 's>', reason: 'r' }, 'sessionId'],
    ['a negative grace', { v: 1, type: 'drain', graceMs: -1 }, 'graceMs'],
  ])('refuses %s', (_, message, path) => {
    expect(problems(message)).toEqual([path]);
  });
});
