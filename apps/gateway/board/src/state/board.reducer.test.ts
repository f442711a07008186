import { describe, expect, it } from 'vitest';
import { fullRun, ORCHESTRATION, snapshot, stageIdOf, stageUpdate, stageView, TASK, OTHER_TASK, taskUpdate, taskView } from '../testing/board.fixtures';
import type { BoardAction, LiveUpdate } from './board.actions';
import { columnOf } from './board.columns';
import { stageStatusLabel } from './board.selectors';
import { boardReducer } from './board.reducer';
import { initialBoardState, type BoardState } from './board.state';

const apply = (state: BoardState, updates: LiveUpdate[]): BoardState => updates.reduce((next, update) => boardReducer(next, { type: 'update', update }), state);
const loaded = (fields: Parameters<typeof snapshot>[0] = {}): BoardState => boardReducer(initialBoardState, { type: 'loaded', snapshot: snapshot(fields) });

describe('boardReducer', () => {
  it('given an empty snapshot, when a task is created and runs, then its card passes through every column to done with the cost of its stages', () => {
    const columns: string[] = [];
    let state = loaded();
    for (const update of fullRun(1)) {
      state = boardReducer(state, { type: 'update', update });
      const task = state.tasks[TASK];
      if (task && columns.at(-1) !== columnOf(task)) columns.push(columnOf(task));
    }
    expect(columns).toEqual(['queued', 'specification', 'implementation', 'qa', 'done']);
    expect(state.tasks[TASK]).toMatchObject({ status: 'done', currentStage: null, costUsd: 0.03, retryCount: 0, startedAt: expect.any(String), endedAt: expect.any(String) });
    expect(Object.values(state.stages).map((stage) => [stage.stageType, stage.status])).toEqual([
      ['specification', 'completed'],
      ['implementation', 'completed'],
      ['qa', 'completed'],
    ]);
  });

  it('given a task page whose details were read before the board snapshot arrived, when the snapshot (without that task) is loaded, then the task and its stages stay', () => {
    const detailed = boardReducer(initialBoardState, { type: 'task-details', task: taskView({ lastEventSeq: 9 }), stages: [stageView({ lastEventSeq: 9 })] });
    const state = boardReducer(detailed, { type: 'loaded', snapshot: snapshot() });

    expect(state.phase).toBe('ready');
    expect(state.tasks[TASK]).toBeDefined();
    expect(Object.keys(state.stages)).toEqual(Object.keys(detailed.stages));
  });

  it('given a task card, when its pull request is opened, then the card links it, and the link survives a later update', () => {
    const url = 'https://github.example/team/shop/pull/7';
    const state = apply(loaded({ tasks: [taskView({ status: 'running', lastEventSeq: 3 })], seq: 3 }), [
      taskUpdate(4, { cause: 'TaskPullRequestOpened', pullRequestUrl: url, pullRequestState: 'open' }),
      taskUpdate(5, { cause: 'OrchestrationCompleted', status: 'done', currentStage: null }),
    ]);
    expect(state.tasks[TASK]).toMatchObject({ status: 'done', pullRequestUrl: url, pullRequestState: 'open' });
    const merged = apply(state, [taskUpdate(6, { cause: 'TaskPullRequestClosed', pullRequestUrl: url, pullRequestState: 'merged' })]);
    expect(merged.tasks[TASK]).toMatchObject({ pullRequestUrl: url, pullRequestState: 'merged' });
  });

  it('given a task not started, when its priority and blockers change, then its card shows them; a card created live gets them from TaskCreated', () => {
    const state = apply(loaded({ tasks: [taskView({ lastEventSeq: 3 })], seq: 3 }), [
      taskUpdate(4, { cause: 'TaskQueueSettingsChanged', priority: 8, blockedBy: [OTHER_TASK] }),
    ]);
    expect(state.tasks[TASK]).toMatchObject({ priority: 8, blockedBy: [OTHER_TASK] });
    const live = apply(loaded(), [taskUpdate(1, { cause: 'TaskCreated', status: 'created', title: 'New', priority: 2, blockedBy: [OTHER_TASK] })]);
    expect(live.tasks[TASK]).toMatchObject({ priority: 2, blockedBy: [OTHER_TASK] });
    const old = apply(loaded(), [taskUpdate(1, { cause: 'TaskCreated', status: 'created', title: 'Old' })]);
    expect(old.tasks[TASK]).toMatchObject({ priority: 5, blockedBy: [] });
  });

  it('given one event that yields a stage-update and a task-update under one sequence, then both apply', () => {
    const state = apply(loaded({ tasks: [taskView({ status: 'running', lastEventSeq: 3 })], seq: 3 }), [
      stageUpdate(4, { status: 'pending' }),
      taskUpdate(4, { cause: 'StageScheduled', currentStage: 'specification' }),
    ]);
    expect(state.tasks[TASK]?.currentStage).toBe('specification');
    expect(state.stages[stageIdOf(1)]?.status).toBe('pending');
    expect(state.seq).toBe(4);
  });

  it('given a running task, when a second start is rejected, then its card keeps its status and reason; a task that never started shows the rejection', () => {
    const state = apply(loaded({ tasks: [taskView({ status: 'running', lastEventSeq: 3 }), taskView({ id: OTHER_TASK, status: 'created', lastEventSeq: 3 })], seq: 3 }), [
      taskUpdate(4, { cause: 'OrchestrationRejected', reason: 'task is already running' }),
      taskUpdate(5, { taskId: OTHER_TASK, cause: 'OrchestrationRejected', reason: 'orchestration is disabled' }),
    ]);
    expect(state.tasks[TASK]).toMatchObject({ status: 'running', reason: null });
    expect(state.tasks[OTHER_TASK]).toMatchObject({ status: 'created', reason: 'orchestration is disabled' });
  });

  it('given a replay that overlaps what came live, when the same updates arrive again, then nothing is applied twice', () => {
    const run = fullRun(1);
    const once = apply(loaded(), run);
    const twice = apply(once, run.slice(-5));
    expect(twice).toBe(once);
    expect(twice.tasks[TASK]?.costUsd).toBeCloseTo(0.03);
  });

  it('given a snapshot taken after a stage completed, when the socket resends that completion, then its cost is not added again', () => {
    const state = loaded({
      seq: 10,
      tasks: [taskView({ status: 'running', currentStage: 'implementation', totalCostUsd: 0.01, lastEventSeq: 10 })],
      stages: [stageView({ lastEventSeq: 10 })],
    });
    const next = apply(state, [stageUpdate(10, { cause: 'StageCompleted', status: 'completed', costUsd: 0.01 })]);
    expect(next.tasks[TASK]?.costUsd).toBe(0.01);
    const later = apply(next, [stageUpdate(12, { stageId: stageIdOf(2), stageType: 'implementation', cause: 'StageCompleted', status: 'completed', costUsd: 0.02 })]);
    expect(later.tasks[TASK]?.costUsd).toBeCloseTo(0.03);
  });

  it('given a failed attempt and its retry, then the stage shows the new attempt afresh and the task counts one retry', () => {
    const state = apply(loaded({ tasks: [taskView({ status: 'running', lastEventSeq: 1 })], seq: 1 }), [
      stageUpdate(2, { cause: 'StageStarted', status: 'running', startedAt: 'x', container: { poolId: 'default', slot: 1, port: 8082, containerId: 'local-1' } }),
      stageUpdate(3, { cause: 'StageFailed', status: 'failed', error: 'the Claude CLI exited with code 1', retryable: true, costUsd: 0.005 }),
      stageUpdate(4, { cause: 'StageRetryScheduled', status: 'failed', nextAttempt: 2, retryAt: 'soon' }),
      stageUpdate(5, { attempt: 2, status: 'pending' }),
    ]);
    expect(state.stages[stageIdOf(1)]).toMatchObject({ attempt: 2, status: 'pending', error: null, container: null, retryAt: null, costUsd: null });
    expect(state.tasks[TASK]).toMatchObject({ retryCount: 1, costUsd: 0.005 });
  });

  it('given a stage waiting for its retry, then it says so until the retry is scheduled', () => {
    const state = apply(loaded(), [stageUpdate(3, { status: 'failed', error: 'boom' }), stageUpdate(4, { cause: 'StageRetryScheduled', status: 'failed', retryAt: 'soon', nextAttempt: 2 })]);
    expect(state.stages[stageIdOf(1)]).toMatchObject({ status: 'failed', error: 'boom', retryAt: 'soon' });
  });

  it('given a stage parked on the rate limit, then it waits (pending) until its next attempt, and says for what until when', () => {
    const state = apply(loaded({ tasks: [taskView({ status: 'running', currentStage: 'specification', lastEventSeq: 1 })], seq: 1 }), [
      stageUpdate(2, { cause: 'StageStarted', status: 'running', startedAt: 'x' }),
      stageUpdate(3, { cause: 'StageParked', status: 'pending', error: 'the model API rate-limited the credential (HTTP 429)', parkedLimit: 'rate-limit' }),
      stageUpdate(4, { cause: 'StageRetryScheduled', status: 'failed', nextAttempt: 2, retryAt: '2026-11-24T14:05:00.000Z' }),
    ]);
    const stage = state.stages[stageIdOf(1)];
    expect(stage).toMatchObject({ status: 'pending', parkedLimit: 'rate-limit', retryAt: '2026-11-24T14:05:00.000Z' });
    expect(stage && stageStatusLabel(stage)).toBe(`waiting for the rate limit until ${new Date('2026-11-24T14:05:00.000Z').toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false })}`);

    const resumed = apply(state, [stageUpdate(5, { attempt: 2, status: 'pending' })]);
    expect(resumed.stages[stageIdOf(1)]).toMatchObject({ attempt: 2, parkedLimit: null, retryAt: null });
  });

  it('given a task with a budget, when a person raises it, then its card has the new budget beside what it spent', () => {
    const state = apply(loaded({ tasks: [taskView({ status: 'running', totalCostUsd: 0.12, budgetUsd: 0.1, lastEventSeq: 1 })], seq: 1 }), [
      taskUpdate(2, { cause: 'TaskBudgetRaised', budgetUsd: 5 }),
    ]);
    expect(state.tasks[TASK]).toMatchObject({ costUsd: 0.12, budgetUsd: 5 });
  });

  it('given a snapshot of a parked stage, then it shows the limit and when the stage runs again', () => {
    const state = loaded({ stages: [stageView({ status: 'pending', parkedLimit: 'usage-limit', parkedUntil: '2026-11-24T14:05:00.000Z' })] });
    expect(state.stages[stageIdOf(1)]).toMatchObject({ parkedLimit: 'usage-limit', retryAt: '2026-11-24T14:05:00.000Z' });
  });

  it('given two queued tasks, when the first is admitted, then the second moves up to the head of the queue', () => {
    const state = apply(
      loaded({
        seq: 5,
        tasks: [taskView({ status: 'queued', queuePosition: 1, lastEventSeq: 4 }), taskView({ id: OTHER_TASK, status: 'queued', queuePosition: 2, lastEventSeq: 5 })],
      }),
      [taskUpdate(6, { cause: 'OrchestrationAdmitted', status: 'running', orchestrationId: ORCHESTRATION })],
    );
    expect(state.tasks[TASK]).toMatchObject({ status: 'running', queuePosition: null });
    expect(state.tasks[OTHER_TASK]).toMatchObject({ status: 'queued', queuePosition: 1 });
  });

  it('given a cancelled task, then its card lands in Failed / Cancelled with the reason and the time it ended', () => {
    const state = apply(loaded({ seq: 1, tasks: [taskView({ status: 'running', currentStage: 'implementation', lastEventSeq: 1 })] }), [
      taskUpdate(2, { cause: 'OrchestrationCancelled', status: 'cancelled', reason: 'cancelled by a user' }),
    ]);
    const task = state.tasks[TASK];
    expect(task && columnOf(task)).toBe('ended');
    expect(task).toMatchObject({ status: 'cancelled', reason: 'cancelled by a user', endedAt: expect.any(String) });
  });

  it('given a deleted task, then its card goes; given an update for a task the board never saw created, then it is ignored', () => {
    const state = apply(loaded({ seq: 1, tasks: [taskView()] }), [taskUpdate(2, { status: 'deleted' }), taskUpdate(3, { taskId: OTHER_TASK, status: 'running' })]);
    expect(state.tasks).toEqual({});
  });

  it('given a refused start, then the card keeps its status and shows the reason', () => {
    const state = apply(loaded({ seq: 1, tasks: [taskView()] }), [taskUpdate(2, { cause: 'OrchestrationRejected', reason: 'orchestration is disabled' })]);
    expect(state.tasks[TASK]).toMatchObject({ status: 'created', reason: 'orchestration is disabled' });
  });

  it('given a reload after a resync, then everything up to its sequence counts as applied', () => {
    const run = fullRun(1);
    const state = boardReducer(apply(loaded(), run.slice(0, 4)), {
      type: 'loaded',
      snapshot: snapshot({ seq: 3, tasks: [taskView({ status: 'running', currentStage: 'specification', lastEventSeq: 3 })] }),
    });
    expect(apply(state, run.slice(2, 4))).toBe(state);
  });

  it('given task details read again, then they replace the card unless the board has seen later events', () => {
    const state = apply(loaded(), fullRun(1));
    const stale: BoardAction = { type: 'task-details', task: taskView({ status: 'running', lastEventSeq: 3 }), stages: [] };
    expect(boardReducer(state, stale).tasks[TASK]?.status).toBe('done');
    const fresh: BoardAction = { type: 'task-details', task: taskView({ status: 'done', title: 'Renamed', lastEventSeq: 99 }), stages: [stageView({ lastEventSeq: 99 })] };
    expect(boardReducer(state, fresh).tasks[TASK]?.title).toBe('Renamed');
  });

  it('given a snapshot with a started task, then the card begins when its first stage was scheduled', () => {
    const state = loaded({
      seq: 9,
      tasks: [taskView({ status: 'done', updatedAt: '2026-11-24T10:00:09.000Z', lastEventSeq: 9 })],
      stages: [stageView({ createdAt: '2026-11-24T10:00:02.000Z' }), stageView({ id: stageIdOf(2), stageType: 'implementation', createdAt: '2026-11-24T10:00:05.000Z' })],
    });
    expect(state.tasks[TASK]).toMatchObject({ startedAt: '2026-11-24T10:00:02.000Z', endedAt: '2026-11-24T10:00:09.000Z' });
  });

  it('given the connection state and metrics, then they are kept as told', () => {
    let state = boardReducer(loaded(), { type: 'connection', status: 'reconnecting' });
    expect(state.connection).toBe('reconnecting');
    state = boardReducer(state, { type: 'load-failed', error: 'the gateway did not answer' });
    expect(state).toMatchObject({ phase: 'ready', loadError: 'the gateway did not answer' });
    expect(boardReducer(initialBoardState, { type: 'load-failed', error: 'x' }).phase).toBe('failed');
  });
});
