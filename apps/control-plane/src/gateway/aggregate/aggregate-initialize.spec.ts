import { AGGREGATE_TASKS_CAPABILITY, initializeResult } from './aggregate-initialize.js';

describe('what /mcp answers to initialize', () => {
  it('offers tasks to a client on 2025-11-25', () => {
    expect(initializeResult('2025-11-25')).toMatchObject({ protocolVersion: '2025-11-25', capabilities: { tasks: AGGREGATE_TASKS_CAPABILITY } });
  });

  it('does not offer tasks on a version without them', () => {
    const sut = initializeResult('2025-06-18');

    expect(sut.protocolVersion).toBe('2025-06-18');
    expect(sut.capabilities).not.toHaveProperty('tasks');
  });

  it('answers an unknown version with the latest', () => {
    expect(initializeResult('1999-01-01')).toMatchObject({ protocolVersion: '2025-11-25' });
  });
});
