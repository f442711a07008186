import { factory } from '@app/testing';
import { changesOf } from './changes';

const { ids } = factory;
const AT = '2026-11-24T10:00:00.000Z';
const stageRef = { taskId: ids.task(1), orchestrationId: ids.orchestration(1), stageId: ids.stage(), stageType: 'specification', attempt: 1 };

describe('changesOf: what an event changes of the read side', () => {
  it('given StageFailed with a result, then the stage run failed with its reason, whether a retry could help, and its cost', () => {
    const failed = factory.stageFailed({}, { reason: 'the agent gave up', retryable: false, result: { ...factory.stageCompleted().data.result, totalCostUsd: 0.25 } });

    expect(changesOf(failed)).toEqual([{ entity: 'stage', ...stageRef, status: 'failed', error: 'the agent gave up', retryable: false, completedAt: AT, costUsd: 0.25 }]);
  });

  it('given StageFailed without a result, then its cost is unknown (null), not left as it was', () => {
    expect(changesOf(factory.stageFailed({}, { result: null }))).toEqual([expect.objectContaining({ entity: 'stage', status: 'failed', costUsd: null })]);
  });

  it('given StageTimedOut, then a retryable failure in the timeout’s own words, its cost untouched', () => {
    const [change] = changesOf(factory.stageTimedOut());

    expect(change).toEqual({ entity: 'stage', ...stageRef, status: 'failed', error: `timed out at ${AT}`, retryable: true, completedAt: AT });
  });

  it('given StageCancelled, then a failure that no retry helps, reading "cancelled: " and the reason', () => {
    expect(changesOf(factory.stageCancelled({}, 'the user stopped it'))).toEqual([
      { entity: 'stage', ...stageRef, status: 'failed', error: 'cancelled: the user stopped it', retryable: false, completedAt: AT },
    ]);
  });

  it('given an admission or a completion, then the task runs or is done and a reason kept from before is cleared (null)', () => {
    expect(changesOf(factory.orchestrationAdmitted(1))).toEqual([{ entity: 'task', taskId: ids.task(1), status: 'running', orchestrationId: ids.orchestration(1), reason: null }]);
    expect(changesOf(factory.orchestrationCompleted(1))).toEqual([
      { entity: 'task', taskId: ids.task(1), status: 'done', orchestrationId: ids.orchestration(1), currentStage: null, reason: null },
    ]);
  });

  it('given a refused start, then only its reason, and only for a task that has not started', () => {
    const rejected = factory.caused(factory.startOrchestration(1), 'OrchestrationRejected', ids.task(1), { taskId: ids.task(1), reason: 'already running' }, { producer: 'spec', occurredAt: AT });

    expect(changesOf(rejected)).toEqual([{ entity: 'task', taskId: ids.task(1), reason: 'already running', onlyBeforeStart: true }]);
  });

  it('given a failed or cancelled orchestration, then the task’s status and the reason', () => {
    expect(changesOf(factory.orchestrationFailed(1, 'qa failed'))).toEqual([
      { entity: 'task', taskId: ids.task(1), status: 'failed', orchestrationId: ids.orchestration(1), reason: 'qa failed' },
    ]);
    expect(changesOf(factory.orchestrationCancelled(1, 'not needed'))).toEqual([
      { entity: 'task', taskId: ids.task(1), status: 'cancelled', orchestrationId: ids.orchestration(1), reason: 'not needed' },
    ]);
  });

  it('given events the read side does not show (a heartbeat, a released slot), then no change', () => {
    expect(changesOf(factory.runHeartbeat())).toEqual([]);
    expect(changesOf(factory.orchestrationReleased(1))).toEqual([]);
  });
});
