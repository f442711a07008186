import type { LogBatch } from '../contracts';

export type LogLine = LogBatch['lines'][number];

/** The agent output of one stage run. */
export interface LogRun {
  stageId: string;
  attempt: number;
  lines: LogLine[];
}

/** The agent log of the task the person is looking at. */
export interface LogState {
  taskId: string | null;
  /** the last ORCH_LOGS sequence applied; null before the first batch */
  logSeq: number | null;
  /** by `runKey` */
  runs: Record<string, LogRun>;
}

export type LogAction = { type: 'watch'; taskId: string | null } | { type: 'batch'; batch: LogBatch };

export const initialLogState: LogState = { taskId: null, logSeq: null, runs: {} };

export const runKey = (stageId: string, attempt: number): string => `${stageId}#${attempt}`;

/** Batches of the watched task, each once (a replay may overlap what came live), lines in order. */
export function logReducer(state: LogState, action: LogAction): LogState {
  switch (action.type) {
    case 'watch':
      return action.taskId === state.taskId ? state : { taskId: action.taskId, logSeq: null, runs: {} };
    case 'batch': {
      const { batch } = action;
      if (batch.taskId !== state.taskId || (state.logSeq !== null && batch.seq <= state.logSeq)) return state;
      const key = runKey(batch.stageId, batch.attempt);
      const run = state.runs[key] ?? { stageId: batch.stageId, attempt: batch.attempt, lines: [] };
      return { ...state, logSeq: batch.seq, runs: { ...state.runs, [key]: { ...run, lines: mergeLines(run.lines, batch.lines) } } };
    }
    default: {
      const unknownAction: never = action;
      return unknownAction;
    }
  }
}

/**
 * The run's lines with the batch's added, in order, each index once. A batch that follows
 * the last line (the usual case, live) is appended as it is; only an overlap or a gap
 * filled late (a replay) is merged and sorted.
 */
function mergeLines(lines: LogLine[], added: LogLine[]): LogLine[] {
  const last = lines.at(-1)?.index ?? -1;
  if (added.every((line, i) => line.index > last && (i === 0 || line.index > added[i - 1]!.index))) return [...lines, ...added];
  const seen = new Set(lines.map((line) => line.index));
  return [...lines, ...added.filter((line) => !seen.has(line.index))].sort((a, b) => a.index - b.index);
}
