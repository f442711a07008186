import type { MessageOf, OrchEvent } from '@app/contracts';
import type { StageRunOutcome } from '@app/persistence';
import type { ReadModelRows } from './read-model.rows';

type RunEnd = Extract<OrchEvent, { type: 'StageCompleted' | 'StageFailed' | 'StageTimedOut' | 'StageCancelled' | 'StageParked' }>;

/** `stage_runs`: one row per attempt, its outcome and duration, for the metrics. */
export async function projectRunScheduled(rows: ReadModelRows, event: MessageOf<'StageScheduled'>): Promise<void> {
  const { stageId, attempt, taskId, stageType } = event.data;
  await rows.query(
    `INSERT INTO stage_runs (stage_id, attempt, task_id, stage_type, scheduled_at, last_event_seq) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (stage_id, attempt) DO NOTHING`,
    [stageId, attempt, taskId, stageType, rows.at, rows.seq],
  );
}

export async function projectRunStarted(rows: ReadModelRows, event: MessageOf<'StageStarted'>): Promise<void> {
  const { stageId, attempt, startedAt, executor } = event.data;
  await rows.query(
    `UPDATE stage_runs SET started_at = $3, executor = $5, last_event_seq = $4 WHERE stage_id = $1 AND attempt = $2 AND outcome IS NULL`,
    [stageId, attempt, startedAt, rows.seq, executor],
  );
}

/** The first end of an attempt counts; a later one (a timeout racing a result) does not. */
export async function projectRunEnded(rows: ReadModelRows, event: RunEnd): Promise<void> {
  const { stageId, attempt } = event.data;
  const { outcome, endedAt, costUsd } = runEnd(event);
  await rows.query(
    `UPDATE stage_runs SET outcome = $3, ended_at = $4, cost_usd = $5, last_event_seq = $6,
       duration_ms = CASE WHEN started_at IS NULL THEN NULL
                          ELSE GREATEST(0, round(EXTRACT(EPOCH FROM ($4::timestamptz - started_at)) * 1000))::integer END
     WHERE stage_id = $1 AND attempt = $2 AND outcome IS NULL`,
    [stageId, attempt, outcome, endedAt, costUsd, rows.seq],
  );
}

/** A parked run: when its stage runs again, which bounds the time the metrics count it waiting. */
export async function projectRunResumeAt(rows: ReadModelRows, event: MessageOf<'StageRetryScheduled'>): Promise<void> {
  const { stageId, attempt, retryAt } = event.data;
  await rows.query(`UPDATE stage_runs SET resume_at = $3, last_event_seq = $4 WHERE stage_id = $1 AND attempt = $2 AND outcome = 'parked'`, [stageId, attempt, retryAt, rows.seq]);
}

function runEnd(event: RunEnd): { outcome: StageRunOutcome; endedAt: string; costUsd: number | null } {
  switch (event.type) {
    case 'StageCompleted':
      return { outcome: 'completed', endedAt: event.data.completedAt, costUsd: event.data.result.totalCostUsd };
    case 'StageFailed':
      return { outcome: 'failed', endedAt: event.data.failedAt, costUsd: event.data.result?.totalCostUsd ?? null };
    case 'StageTimedOut':
      return { outcome: 'timed_out', endedAt: event.data.timedOutAt, costUsd: null };
    case 'StageCancelled':
      return { outcome: 'cancelled', endedAt: event.data.cancelledAt, costUsd: null };
    case 'StageParked':
      return { outcome: 'parked', endedAt: event.data.parkedAt, costUsd: event.data.result?.totalCostUsd ?? null };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
