import { formatParked } from '../format/format';
import { STAGE_ORDER } from './stage.order';
import type { BoardState, SlotRecord, StageRecord, TaskCard } from './board.state';

const ranBefore = (a: StageRecord, b: StageRecord) =>
  a.round - b.round || (a.scheduledAt ?? '').localeCompare(b.scheduledAt ?? '') || STAGE_ORDER.indexOf(a.stageType) - STAGE_ORDER.indexOf(b.stageType);

/** A task's stages in the order they ran: by when they were scheduled, then round and stage. */
export function stagesOf(state: Pick<BoardState, 'stages'>, taskId: string): StageRecord[] {
  return Object.values(state.stages)
    .filter((stage) => stage.taskId === taskId)
    .sort(ranBefore);
}

/** Every task's stages in the order they ran (as `stagesOf`), grouped in one pass. */
export function stagesByTask(state: Pick<BoardState, 'stages'>): Map<string, StageRecord[]> {
  const byTask = new Map<string, StageRecord[]>();
  for (const stage of Object.values(state.stages)) {
    const list = byTask.get(stage.taskId);
    if (list) list.push(stage);
    else byTask.set(stage.taskId, [stage]);
  }
  for (const list of byTask.values()) list.sort(ranBefore);
  return byTask;
}

/** The run of the task's current stage (its latest round), if the board knows it. */
export function currentStageOf(task: TaskCard, stages: StageRecord[]): StageRecord | null {
  if (task.currentStage === null) return null;
  return stages.filter((stage) => stage.stageType === task.currentStage).at(-1) ?? null;
}

/** milliseconds the task's orchestration has run (until it ended), or null before it began */
export function elapsedMs(task: TaskCard, now: number): number | null {
  if (task.startedAt === null) return null;
  const end = task.endedAt === null ? now : Date.parse(task.endedAt);
  return Math.max(0, end - Date.parse(task.startedAt));
}

/** The slots in pool and slot order. */
export function slotsInOrder(state: Pick<BoardState, 'slots'>): SlotRecord[] {
  return Object.values(state.slots).sort((a, b) => a.poolId.localeCompare(b.poolId) || a.slot - b.slot);
}

/** A stage's state in words: parked on a limit, waiting for a retry, or its status. */
export function stageStatusLabel(stage: StageRecord): string {
  if (stage.parkedLimit !== null) return formatParked(stage.parkedLimit, stage.retryAt);
  return stage.retryAt !== null ? 'retry waiting' : stage.status;
}
