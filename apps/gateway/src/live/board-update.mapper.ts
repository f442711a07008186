import { BOARD_ROOM, DEFAULT_TASK_PRIORITY, taskRoom, type OrchEvent, type PoolUpdate, type StageUpdate, type TaskUpdate } from '@app/contracts';
import { stageEndOf } from '../projection/changes';

/** One socket event the board receives for a log event, with the rooms it goes to. */
export type BoardUpdate =
  | { name: 'stage-update'; rooms: string[]; payload: StageUpdate }
  | { name: 'task-update'; rooms: string[]; payload: TaskUpdate }
  | { name: 'pool-update'; rooms: string[]; payload: PoolUpdate };

/**
 * What the board is told about one event of the log: a pure function of the event and its
 * sequence, so a replay yields exactly what the live fan-out sent.
 */
export function toBoardUpdates(seq: number, event: OrchEvent): BoardUpdate[] {
  const base = { seq, cause: event.type, at: event.occurredAt };
  const task = (taskId: string, fields: Omit<TaskUpdate, 'seq' | 'cause' | 'at' | 'taskId'>): BoardUpdate => ({
    name: 'task-update',
    rooms: [BOARD_ROOM, taskRoom(taskId)],
    payload: { ...base, taskId, ...fields },
  });
  const stage = (fields: Omit<StageUpdate, 'seq' | 'cause' | 'at'>): BoardUpdate => ({
    name: 'stage-update',
    rooms: [BOARD_ROOM, taskRoom(fields.taskId)],
    payload: { ...base, ...fields },
  });
  const pool = (fields: Omit<PoolUpdate, 'seq' | 'cause' | 'at'>): BoardUpdate => ({ name: 'pool-update', rooms: [BOARD_ROOM], payload: { ...base, ...fields } });

  switch (event.type) {
    case 'TaskCreated': {
      const { taskId, title, description, repoPath, baseBranch, remote } = event.data;
      const queue = { priority: event.data.priority ?? DEFAULT_TASK_PRIORITY, blockedBy: event.data.blockedBy ?? [] };
      return [task(taskId, { status: 'created', title, description, repoPath, baseBranch, projectId: remote?.projectId ?? null, ...queue })];
    }
    case 'TaskQueueSettingsChanged':
      return [task(event.data.taskId, { priority: event.data.priority, blockedBy: event.data.blockedBy })];
    case 'TaskPullRequestOpened':
      return [task(event.data.taskId, { pullRequestUrl: event.data.url, pullRequestState: 'open' })];
    case 'TaskPullRequestClosed':
      return [task(event.data.taskId, { pullRequestUrl: event.data.url, pullRequestState: event.data.state })];
    case 'TaskDeleted':
      return [task(event.data.taskId, { status: 'deleted' })];
    case 'OrchestrationRejected':
      return [task(event.data.taskId, { reason: event.data.reason })];
    case 'OrchestrationQueued':
      return [task(event.data.taskId, { status: 'queued', orchestrationId: event.data.orchestrationId, queuePosition: event.data.position })];
    case 'OrchestrationAdmitted':
    case 'OrchestrationStarted':
    case 'OrchestrationResumed':
      return [task(event.data.taskId, { status: 'running', orchestrationId: event.data.orchestrationId })];
    case 'ReworkRequested':
      return [task(event.data.taskId, { reworkCount: event.data.round })];
    case 'OrchestrationCompleted':
      return [task(event.data.taskId, { status: 'done', orchestrationId: event.data.orchestrationId, currentStage: null })];
    case 'OrchestrationFailed':
      return [task(event.data.taskId, { status: 'failed', orchestrationId: event.data.orchestrationId, reason: event.data.reason })];
    case 'OrchestrationCancelled':
      return [task(event.data.taskId, { status: 'cancelled', orchestrationId: event.data.orchestrationId, reason: event.data.reason })];
    case 'StageScheduled': {
      const { taskId, orchestrationId, stageId, stageType, attempt, round } = event.data;
      return [
        stage({ taskId, orchestrationId, stageId, stageType, attempt, status: 'pending', round }),
        task(taskId, { currentStage: stageType }),
      ];
    }
    case 'StageStarted': {
      const { taskId, orchestrationId, stageId, stageType, attempt, startedAt, deadlineAt, lease } = event.data;
      const container = { poolId: lease.poolId, slot: lease.slot, port: lease.port, containerId: lease.containerId };
      return [stage({ taskId, orchestrationId, stageId, stageType, attempt, status: 'running', startedAt, deadlineAt, container })];
    }
    case 'StageCompleted': {
      const { taskId, orchestrationId, stageId, stageType, attempt, output, result, diffStat, verdict, completedAt } = event.data;
      const { usage } = result;
      return [
        stage({
          taskId,
          orchestrationId,
          stageId,
          stageType,
          attempt,
          status: 'completed',
          completedAt,
          output,
          costUsd: result.totalCostUsd,
          tokens: { input: usage.inputTokens, output: usage.outputTokens, cacheRead: usage.cacheReadInputTokens, cacheCreation: usage.cacheCreationInputTokens },
          durationMs: result.durationMs,
          diffStat,
          verdict,
        }),
      ];
    }
    case 'StageFailed':
    case 'StageTimedOut':
    case 'StageCancelled': {
      // the same change the projector writes to the stage run's row
      const { costUsd, ...end } = stageEndOf(event);
      return [stage({ ...end, ...(costUsd == null ? {} : { costUsd }) })];
    }
    case 'StageRetryScheduled': {
      const { taskId, orchestrationId, stageId, stageType, attempt, nextAttempt, retryAt } = event.data;
      return [stage({ taskId, orchestrationId, stageId, stageType, attempt, status: 'failed', nextAttempt, retryAt })];
    }
    case 'PoolSlotReady': {
      const { poolId, slot, port, containerId, driver } = event.data;
      return [pool({ poolId, slot, port, containerId, driver, state: 'free' })];
    }
    case 'LeaseQueued': {
      const { poolId, taskId, stageId, attempt, position } = event.data;
      return [pool({ poolId, state: 'waiting', taskId, stageId, attempt, position })];
    }
    case 'LeaseGranted': {
      const { poolId, slot, port, containerId, leaseId, taskId, stageId, attempt, expiresAt } = event.data;
      return [pool({ poolId, slot, port, containerId, state: 'leased', leaseId, taskId, stageId, attempt, leaseExpiresAt: expiresAt })];
    }
    case 'LeaseRenewed':
      return [pool({ poolId: event.data.poolId, state: 'leased', leaseId: event.data.leaseId, leaseExpiresAt: event.data.expiresAt })];
    case 'PoolSlotDown':
    case 'PoolSlotRemoved': {
      const { poolId, slot, containerId, reason } = event.data;
      return [pool({ poolId, slot, containerId, state: event.type === 'PoolSlotDown' ? 'down' : 'removed', reason })];
    }
    case 'LeaseReleased': {
      const { poolId, slot, leaseId, taskId, stageId } = event.data;
      return [pool({ poolId, slot, state: 'released', leaseId, taskId, stageId })];
    }
    case 'LeaseExpired': {
      const { poolId, slot, leaseId, taskId, stageId } = event.data;
      return [pool({ poolId, slot, state: 'resetting', leaseId, taskId, stageId })];
    }
    case 'LeaseRevoked': {
      const { poolId, slot, leaseId, taskId, stageId, reason } = event.data;
      return [pool({ poolId, slot, state: 'released', leaseId, taskId, stageId, reason })];
    }
    case 'LeaseRequestRejected': {
      const { poolId, taskId, stageId, attempt, reason } = event.data;
      return [pool({ poolId, state: 'rejected', taskId, stageId, attempt, reason })];
    }
    default:
      // OrchestrationReleased, RunHeartbeat, PoolStatusReported (the pool-updates say it already), …: nothing a board shows
      return [];
  }
}
