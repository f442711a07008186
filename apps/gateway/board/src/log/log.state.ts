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
      const seen = new Set(run.lines.map((line) => line.index));
      const lines = [...run.lines, ...batch.lines.filter((line) => !seen.has(line.index))].sort((a, b) => a.index - b.index);
      return { ...state, logSeq: batch.seq, runs: { ...state.runs, [key]: { ...run, lines } } };
    }
    default: {
      const unknownAction: never = action;
      return unknownAction;
    }
  }
}
