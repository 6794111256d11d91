import { arm } from '../../test/snapshot-fixtures.js';
import { assignmentUnit, perCallRoutingAllowed } from './assignment-unit.js';

describe('unit of assignment', () => {
  const stateless = (id: string, toolsHash: string | null = 'h1') => arm(id, { stateless: true, toolsHash });

  it('is the call when every arm is stateless with the same toolsHash', () => {
    expect(perCallRoutingAllowed([stateless('v1'), stateless('v2')])).toBe(true);
    expect(assignmentUnit([stateless('v1'), stateless('v2')])).toBe('call');
  });

  it('is the session when one arm keeps state', () => {
    expect(assignmentUnit([stateless('v1'), arm('v2', { toolsHash: 'h1' })])).toBe('session');
  });

  it('is the session when the tool definitions differ or are not known yet', () => {
    expect(assignmentUnit([stateless('v1'), stateless('v2', 'h2')])).toBe('session');
    expect(assignmentUnit([stateless('v1', null), stateless('v2', null)])).toBe('session');
  });

  it('ignores a rolled-back arm: it takes no new traffic, so it cannot force sessions', () => {
    expect(assignmentUnit([stateless('v1'), arm('v2', { rolledBack: true })])).toBe('call');
  });

  it('no arms: nothing may be mixed', () => {
    expect(perCallRoutingAllowed([])).toBe(false);
  });
});
