import { toolsHashGate } from './tools-hash.js';

const changed = { champion: 'sha256:aaa', challenger: 'sha256:bbb' };
const same = { champion: 'sha256:aaa', challenger: 'sha256:aaa' };

describe('toolsHashGate', () => {
  it('shows a change without blocking by default', () => {
    expect(toolsHashGate(changed, 'show', 'SHADOW')).toMatchObject({ verdict: 'pass', details: { changed: true }, reason: 'tool definitions changed' });
  });

  it('blocks automatic advancement before the challenger gets traffic when configured to', () => {
    expect(toolsHashGate(changed, 'block', 'SHADOW').verdict).toBe('wait');
    expect(toolsHashGate(changed, 'block', 'PILOT').verdict).toBe('wait');
  });

  it('does not block once an operator has advanced into traffic', () => {
    expect(toolsHashGate(changed, 'block', 'CANARY').verdict).toBe('pass');
  });

  it('passes unchanged tools in every mode', () => {
    expect(toolsHashGate(same, 'block', 'SHADOW')).toMatchObject({ verdict: 'pass', details: { changed: false } });
  });
});
