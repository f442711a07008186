import { BOARD_ROOM, newMessage, taskRoom } from '@app/contracts';
import { factory } from '@app/testing';
import { toBoardUpdates } from './board-update.mapper';

const { ids } = factory;
const AT = '2026-11-24T10:00:00.000Z';

describe('toBoardUpdates', () => {
  it('given TaskCreated, then a task-update with the task fields goes to the board and the task room (a task from before priorities: priority 5, no blockers)', () => {
    const updates = toBoardUpdates(7, factory.taskCreated(1));

    expect(updates).toEqual([
      {
        name: 'task-update',
        rooms: [BOARD_ROOM, taskRoom(ids.task(1))],
        payload: { seq: 7, cause: 'TaskCreated', at: AT, taskId: ids.task(1), status: 'created', title: 'Task 1', description: 'Do it', repoPath: null, baseBranch: null, projectId: null, approvalPolicy: 'auto', priority: 5, blockedBy: [], budgetUsd: null },
      },
    ]);
  });

  it('given TaskBudgetRaised, then a task-update carries the new budget to the card', () => {
    const raised = newMessage('TaskBudgetRaised', ids.task(1), { taskId: ids.task(1), previousBudgetUsd: 1, budgetUsd: 3, raisedByUsd: 2, by: 'default', at: AT }, { producer: 'spec', occurredAt: AT });
    expect(toBoardUpdates(8, raised)).toEqual([expect.objectContaining({ name: 'task-update', payload: expect.objectContaining({ taskId: ids.task(1), budgetUsd: 3 }) })]);
  });

  it('given TaskQueueSettingsChanged, then a task-update carries the new priority and blockers', () => {
    expect(toBoardUpdates(8, factory.taskQueueSettingsChanged(1, { priority: 9, blockedBy: [ids.task(2)] })).map((update) => update.payload)).toEqual([
      expect.objectContaining({ cause: 'TaskQueueSettingsChanged', taskId: ids.task(1), priority: 9, blockedBy: [ids.task(2)] }),
    ]);
  });

  it('given TaskPullRequestOpened, then a task-update carries the pull request link to the board and the task room', () => {
    const url = 'https://github.example/team/shop/pull/7';
    const opened = newMessage(
      'TaskPullRequestOpened',
      ids.task(1),
      { taskId: ids.task(1), url, number: 7, head: `orch/${ids.task(1)}`, base: 'main', created: true, openedAt: AT },
      { producer: 'spec', occurredAt: AT },
    );

    expect(toBoardUpdates(12, opened)).toEqual([
      { name: 'task-update', rooms: [BOARD_ROOM, taskRoom(ids.task(1))], payload: { seq: 12, cause: 'TaskPullRequestOpened', at: AT, taskId: ids.task(1), pullRequestUrl: url, pullRequestState: 'open' } },
    ]);
  });

  it('given StageScheduled, then a pending stage-update and the task moving to that stage, in that order', () => {
    const updates = toBoardUpdates(9, factory.stageScheduled({ stageType: 'implementation', attempt: 2 }));

    expect(updates.map((update) => [update.name, update.payload])).toEqual([
      ['stage-update', expect.objectContaining({ seq: 9, stageType: 'implementation', attempt: 2, status: 'pending', round: 0 })],
      ['task-update', expect.objectContaining({ seq: 9, taskId: ids.task(1), currentStage: 'implementation' })],
    ]);
  });

  it('given StageStarted, then a running stage-update naming the container and port', () => {
    const [update] = toBoardUpdates(10, factory.stageStarted());

    expect(update?.payload).toMatchObject({ status: 'running', startedAt: AT, container: { poolId: 'default', slot: 0, port: 8081, containerId: 'local-0' } });
  });

  it('given StageCompleted, then a completed stage-update with cost, tokens, duration and verdict', () => {
    const [update] = toBoardUpdates(11, factory.stageCompleted({ stageType: 'qa' }));

    expect(update?.payload).toMatchObject({
      status: 'completed',
      costUsd: 0.01,
      tokens: { input: 10, output: 20, cacheRead: 0, cacheCreation: 0 },
      durationMs: 1200,
      verdict: { verdict: 'pass', findings: [] },
    });
  });

  it.each([
    ['StageFailed', factory.stageFailed(), { status: 'failed', error: 'the Claude CLI exited with code 1', retryable: true }],
    ['StageTimedOut', factory.stageTimedOut(), { status: 'failed', error: `timed out at ${AT}`, retryable: true }],
  ])('given %s, then a failed stage-update with the reason', (_type, event, expected) => {
    expect(toBoardUpdates(12, event)[0]?.payload).toMatchObject(expected);
  });

  it('given OrchestrationQueued on the scheduler subject, then the task-update still goes to the task room, with the position', () => {
    const [update] = toBoardUpdates(13, factory.orchestrationQueued(2, 3));

    expect(update).toEqual({
      name: 'task-update',
      rooms: [BOARD_ROOM, taskRoom(ids.task(2))],
      payload: expect.objectContaining({ status: 'queued', queuePosition: 3, orchestrationId: ids.orchestration(2) }),
    });
  });

  it('given a lease granted, then a pool-update for the board room only', () => {
    const [update] = toBoardUpdates(14, factory.leaseGranted());

    expect(update).toEqual({
      name: 'pool-update',
      rooms: [BOARD_ROOM],
      payload: expect.objectContaining({ state: 'leased', slot: 0, port: 8081, taskId: ids.task(1), leaseExpiresAt: '2026-11-24T10:02:00.000Z' }),
    });
  });

  it('given a slot ready, then a free pool-update with its port and driver', () => {
    const event = newMessage('PoolSlotReady', 'default', { poolId: 'default', slot: 2, port: 8083, containerId: 'local-2', driver: 'local' }, { producer: 'spec', occurredAt: AT });

    expect(toBoardUpdates(15, event)[0]?.payload).toEqual({ seq: 15, cause: 'PoolSlotReady', at: AT, poolId: 'default', slot: 2, port: 8083, containerId: 'local-2', driver: 'local', state: 'free' });
  });

  it.each([
    ['LeaseRevoked', factory.leaseRevoked(), 'released'],
    ['PoolSlotDown', newMessage('PoolSlotDown', 'default', { poolId: 'default', slot: 0, containerId: 'c', reason: 'died' }, { producer: 'spec', occurredAt: AT }), 'down'],
  ])('given %s, then a pool-update saying %s', (_type, event, state) => {
    expect(toBoardUpdates(16, event)[0]?.payload).toMatchObject({ state, slot: 0 });
  });

  it('given a task waits for approval, then its card moves to waiting with what it waits for; when the wait ends with a next stage, it is queued again', () => {
    const waitingFor = { kind: 'approval' as const, gate: 'spec' as const, revision: 'r1' };
    expect(toBoardUpdates(17, factory.taskWaiting(1, waitingFor))[0]?.payload).toMatchObject({ status: 'waiting', waitingFor, currentStage: null });
    const next = { stageType: 'implementation' as const, round: 0, context: { taskTitle: 'T', taskDescription: 'D' } };
    expect(toBoardUpdates(18, factory.taskWaitEnded(1, next))[0]?.payload).toMatchObject({ status: 'queued', waitingFor: null });
    expect(toBoardUpdates(19, factory.taskWaitEnded(1, null))[0]?.payload).not.toHaveProperty('status');
    expect(toBoardUpdates(19, factory.taskDecisionRecorded(1, { by: 'bob' }))[0]?.payload).toMatchObject({ decision: { decision: 'approve', by: 'bob', gate: 'spec' } });
  });

  it('given the same event twice, then the same updates: a replay sends what the live fan-out sent', () => {
    const event = factory.stageCompleted();

    expect(toBoardUpdates(20, event)).toEqual(toBoardUpdates(20, event));
  });

  it.each([
    ['RunHeartbeat', factory.runHeartbeat()],
    ['OrchestrationReleased', factory.orchestrationReleased()],
  ])('given %s, then nothing: the board does not show it', (_type, event) => {
    expect(toBoardUpdates(21, event)).toEqual([]);
  });
});
