import { createdTaskForClient, fromGatewayTaskId, RELATED_TASK_META_KEY, relatedTaskForClient, relatedTaskForServer, taskForClient, toGatewayTaskId } from './task-ids.js';

const related = (taskId: string) => ({ _meta: { [RELATED_TASK_META_KEY]: { taskId }, other: 1 } });

describe('task ids on /mcp', () => {
  it('names the server in the client-side id and maps back exactly, colons in the upstream id included', () => {
    const id = toGatewayTaskId('everything', 'a:b:c');

    expect(id).toBe('everything:a:b:c');
    expect(fromGatewayTaskId(id)).toEqual({ server: 'everything', taskId: 'a:b:c' });
  });

  it('refuses ids that name no server of this gateway', () => {
    expect(fromGatewayTaskId('no-colon')).toBeUndefined();
    expect(fromGatewayTaskId(':t')).toBeUndefined();
    expect(fromGatewayTaskId('Not_A_Server:t')).toBeUndefined();
    expect(fromGatewayTaskId(7)).toBeUndefined();
  });

  it('rewrites a task and the task a CreateTaskResult names, keeping every other field', () => {
    const task = { taskId: 't1', status: 'working', createdAt: 'x', ttl: 1000 };

    expect(taskForClient('files', task)).toEqual({ ...task, taskId: 'files:t1' });
    expect(createdTaskForClient('files', { task, _meta: { k: 1 } })).toEqual({ task: { ...task, taskId: 'files:t1' }, _meta: { k: 1 } });
    expect(createdTaskForClient('files', { content: [] })).toEqual({ content: [] });
  });

  it('rewrites the related task of _meta both ways, and only a task of that server on the way back', () => {
    const forClient = relatedTaskForClient('files', related('t1'));

    expect(forClient).toEqual(related('files:t1'));
    expect(relatedTaskForServer('files', forClient)).toEqual(related('t1'));
    expect(relatedTaskForServer('files', related('everything:t1'))).toEqual(related('everything:t1'));
    expect(relatedTaskForClient('files', { _meta: { progressToken: 1 } })).toEqual({ _meta: { progressToken: 1 } });
  });
});
