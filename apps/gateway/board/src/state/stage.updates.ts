import type { StageUpdate } from '../contracts';
import type { StageRecord, TaskCard } from './board.state';

interface StageSlice {
  stages: Record<string, StageRecord>;
  tasks: Record<string, TaskCard>;
}

/**
 * Applies a stage-update to its stage (a new attempt starts a fresh run) and to its task:
 * the cost of a finished run is added once, the retry count follows the attempts.
 */
export function applyStageUpdate(slice: StageSlice, update: StageUpdate): StageSlice {
  return { stages: applyToStage(slice.stages, update), tasks: applyToTask(slice.tasks, update) };
}

function applyToStage(stages: Record<string, StageRecord>, update: StageUpdate): Record<string, StageRecord> {
  const existing = stages[update.stageId];
  if (existing && (update.seq < existing.lastSeq || update.attempt < existing.attempt)) return stages;
  const base = existing && existing.attempt === update.attempt ? existing : freshRun(update, existing);
  const record: StageRecord = {
    ...base,
    // a scheduled retry says when the attempt runs next, not how it ended (a parked one waits, pending)
    status: update.cause === 'StageRetryScheduled' ? base.status : update.status,
    round: update.round ?? base.round,
    startedAt: update.startedAt ?? base.startedAt,
    completedAt: update.completedAt ?? base.completedAt,
    container: update.container ? { slot: update.container.slot, port: update.container.port, containerId: update.container.containerId } : base.container,
    executor: update.executor ?? base.executor,
    costUsd: update.costUsd ?? base.costUsd,
    tokens: update.tokens ?? base.tokens,
    durationMs: update.durationMs ?? base.durationMs,
    output: update.output ?? base.output,
    error: update.error ?? base.error,
    retryable: update.retryable ?? base.retryable,
    diffStat: update.diffStat === undefined ? base.diffStat : update.diffStat,
    verdict: update.verdict === undefined ? base.verdict : update.verdict,
    retryAt: update.retryAt ?? (update.status === 'failed' || base.parkedLimit !== null ? base.retryAt : null),
    parkedLimit: update.parkedLimit ?? base.parkedLimit,
    lastSeq: update.seq,
  };
  return { ...stages, [record.id]: record };
}

/** A stage's first run, or the next attempt of one: nothing of the attempt before carries over but when it was first scheduled. */
function freshRun(update: StageUpdate, previous: StageRecord | undefined): StageRecord {
  return {
    id: update.stageId,
    taskId: update.taskId,
    stageType: update.stageType,
    status: update.status,
    round: update.round ?? previous?.round ?? 0,
    attempt: update.attempt,
    scheduledAt: previous?.scheduledAt ?? update.at,
    startedAt: null,
    completedAt: null,
    container: null,
    executor: null,
    costUsd: null,
    tokens: null,
    durationMs: null,
    output: null,
    error: null,
    retryable: null,
    diffStat: null,
    verdict: null,
    retryAt: null,
    parkedLimit: null,
    lastSeq: update.seq,
  };
}

function applyToTask(tasks: Record<string, TaskCard>, update: StageUpdate): Record<string, TaskCard> {
  const task = tasks[update.taskId];
  if (!task || update.seq < task.lastSeq) return tasks;
  const addsCost = update.costUsd !== undefined && update.seq > task.lastSeq;
  const retryCount = Math.max(task.retryCount, update.attempt - 1);
  if (!addsCost && retryCount === task.retryCount) return tasks;
  const costUsd = addsCost ? task.costUsd + (update.costUsd ?? 0) : task.costUsd;
  return { ...tasks, [task.id]: { ...task, costUsd, retryCount, lastSeq: update.seq } };
}
