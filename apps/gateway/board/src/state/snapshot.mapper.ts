import type { PoolView, StageView, TaskView } from '../api/api.types';
import type { MetricsSnapshot } from '../contracts';
import type { ColumnId } from './board.columns';
import { ENDED_STATUSES, slotKey, type SlotRecord, type StageRecord, type TaskCard, type WaitingRecord } from './board.state';

/** What the board reads over REST before it follows the socket. */
export interface BoardSnapshot {
  /** the projection checkpoint of the task list: the socket resumes after it */
  seq: number;
  tasks: TaskView[];
  stages: StageView[];
  pool: PoolView;
  metrics: MetricsSnapshot | null;
  /** how many tasks each column holds on the server (the board reads a page of each) */
  columnTotals: Record<ColumnId, number>;
}


export function toTaskCard(task: TaskView, stages: StageView[]): TaskCard {
  const scheduled = [task.startedAt, ...stages.map((stage) => stage.createdAt)].filter((at): at is string => at !== null);
  return {
    id: task.id,
    title: task.title,
    description: task.description,
    repoPath: task.repoPath,
    baseBranch: task.baseBranch,
    projectId: task.projectId,
    priority: task.priority,
    blockedBy: task.blockedBy,
    pullRequestUrl: task.pullRequestUrl,
    pullRequestState: task.pullRequestState,
    status: task.status,
    currentStage: task.currentStage,
    queuePosition: task.queuePosition,
    reason: task.failureReason,
    reworkCount: task.reworkCount,
    retryCount: task.retryCount,
    costUsd: task.totalCostUsd,
    budgetUsd: task.budgetUsd,
    createdAt: task.createdAt,
    startedAt: scheduled.sort()[0] ?? null,
    endedAt: ENDED_STATUSES.has(task.status) ? task.updatedAt : null,
    lastSeq: task.lastEventSeq,
  };
}

export function toStageRecord(stage: StageView): StageRecord {
  const tokens =
    stage.inputTokens === null
      ? null
      : { input: stage.inputTokens, output: stage.outputTokens ?? 0, cacheRead: stage.cacheReadTokens ?? 0, cacheCreation: stage.cacheCreationTokens ?? 0 };
  return {
    id: stage.id,
    taskId: stage.taskId,
    stageType: stage.stageType,
    status: stage.status,
    round: stage.stageRound,
    attempt: stage.attempt,
    scheduledAt: stage.createdAt,
    startedAt: stage.startedAt,
    completedAt: stage.completedAt,
    container:
      stage.containerId === null || stage.port === null ? null : { slot: stage.containerId, port: stage.port, containerId: stage.containerRef ?? `slot ${stage.containerId}` },
    executor: stage.executor === null ? null : { name: stage.executor, model: stage.model },
    costUsd: stage.costUsd,
    tokens,
    durationMs: stage.durationMs,
    output: stage.commandOutput,
    error: stage.errorMessage,
    retryable: stage.retryable,
    diffStat: stage.diffStat,
    verdict: stage.verdict,
    retryAt: stage.parkedUntil,
    parkedLimit: stage.parkedLimit,
    lastSeq: stage.lastEventSeq,
  };
}

export function toSlotRecords(pool: PoolView): Record<string, SlotRecord> {
  const slots: Record<string, SlotRecord> = {};
  for (const slot of pool.slots) {
    slots[slotKey(slot.poolId, slot.slot)] = {
      poolId: slot.poolId,
      slot: slot.slot,
      port: slot.port,
      containerId: slot.containerId,
      state: slot.state,
      lease: slot.lease,
      reason: null,
    };
  }
  return slots;
}

export function toWaitingRecords(pool: PoolView): WaitingRecord[] {
  return pool.waiting.map(({ poolId, taskId, stageId, attempt, position }) => ({ poolId, taskId, stageId, attempt, position }));
}
