import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { EXECUTOR_NAMES, STAGE_TYPES, type ExecutorName, type StageType } from '@app/contracts';
import { NatsClient } from '@app/messaging';
import { PROJECTION_NAME, readCheckpoint } from '../projection/projection.step';
import { StreamCursor } from '../projection/stream-cursor';

export interface StageCounts {
  completed: number;
  /** failed or timed out */
  failed: number;
  cancelled: number;
  /** runs that ended (completed, failed, timed out) with a known duration */
  durationCount: number;
  /** milliseconds, over those runs */
  durationSumMs: number;
}

/** The numbers every metric is made of, read at one projection checkpoint. */
export interface MetricsReading {
  /** the projection checkpoint the database numbers are as of */
  seq: number;
  activeOrchestrations: number;
  queueDepth: number;
  stages: Record<StageType, StageCounts>;
  containers: { total: number; leased: number };
  /** by the agent CLI that ran them: the runs that ended (completed, failed, timed out) and their cost in US dollars */
  executors: Record<ExecutorName, { runs: number; costUsd: number }>;
  /** dead letters by the consumer that gave up on them (the ORCH_DLQ stream's, and the projection's own) */
  deadLetters: Record<string, number>;
  /** ORCH_EVENTS' last sequence; null while NATS does not answer */
  streamLastSeq: number | null;
}

export interface RunDuration {
  stageType: StageType;
  durationMs: number;
}

/** Reads the metrics from the read model (one snapshot) and from the streams' state. */
@Injectable()
export class MetricsReader {
  constructor(
    private readonly dataSource: DataSource,
    private readonly cursor: StreamCursor,
    private readonly nats: NatsClient,
  ) {}

  async read(): Promise<MetricsReading> {
    const [database, streams] = await Promise.all([this.readDatabase(), this.readStreams()]);
    const deadLetters = { ...streams.deadLetters };
    if (database.projectionDeadLetters > 0) deadLetters[PROJECTION_NAME] = (deadLetters[PROJECTION_NAME] ?? 0) + database.projectionDeadLetters;
    return { ...database.reading, deadLetters, streamLastSeq: streams.lastSeq };
  }

  /** Every finished run's duration: what the duration histogram is made of. */
  async durations(): Promise<RunDuration[]> {
    const rows: Array<{ stage_type: StageType; duration_ms: number }> = await this.dataSource.query(
      `SELECT stage_type, duration_ms FROM stage_runs WHERE outcome IN ('completed', 'failed', 'timed_out') AND duration_ms IS NOT NULL`,
    );
    return rows.map((row) => ({ stageType: row.stage_type, durationMs: row.duration_ms }));
  }

  private readDatabase() {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      // one after the other: a transaction is one connection, which runs one query at a time
      const checkpoint = await readCheckpoint(manager);
      const tasks: Array<{ running: string; queued: string }> = await manager.query(
        `SELECT count(*) FILTER (WHERE status = 'running') AS running, count(*) FILTER (WHERE status = 'queued') AS queued FROM tasks`,
      );
      const stages: Array<{ stage_type: StageType; completed: string; failed: string; cancelled: string; duration_count: string; duration_sum_ms: string }> =
        await manager.query(
          `SELECT stage_type,
                  count(*) FILTER (WHERE outcome = 'completed') AS completed,
                  count(*) FILTER (WHERE outcome IN ('failed', 'timed_out')) AS failed,
                  count(*) FILTER (WHERE outcome = 'cancelled') AS cancelled,
                  count(duration_ms) FILTER (WHERE outcome IN ('completed', 'failed', 'timed_out')) AS duration_count,
                  COALESCE(sum(duration_ms) FILTER (WHERE outcome IN ('completed', 'failed', 'timed_out')), 0) AS duration_sum_ms
           FROM stage_runs GROUP BY stage_type`,
        );
      const executors: Array<{ executor: ExecutorName; runs: string; cost_usd: string }> = await manager.query(
        `SELECT executor, count(*) AS runs, COALESCE(sum(cost_usd), 0) AS cost_usd FROM stage_runs
         WHERE executor IS NOT NULL AND outcome IN ('completed', 'failed', 'timed_out') GROUP BY executor`,
      );
      const pool: Array<{ total: string; leased: string }> = await manager.query(`SELECT count(*) AS total, count(*) FILTER (WHERE state = 'leased') AS leased FROM pool_slots`);
      const deadLetters: Array<{ count: string }> = await manager.query(`SELECT count(*) AS count FROM dead_letters WHERE consumer = $1`, [PROJECTION_NAME]);
      const byStage = Object.fromEntries(
        STAGE_TYPES.map((stageType) => {
          const row = stages.find((candidate) => candidate.stage_type === stageType);
          const counts: StageCounts = {
            completed: Number(row?.completed ?? 0),
            failed: Number(row?.failed ?? 0),
            cancelled: Number(row?.cancelled ?? 0),
            durationCount: Number(row?.duration_count ?? 0),
            durationSumMs: Number(row?.duration_sum_ms ?? 0),
          };
          return [stageType, counts];
        }),
      ) as Record<StageType, StageCounts>;
      return {
        reading: {
          seq: checkpoint,
          activeOrchestrations: Number(tasks[0]?.running ?? 0),
          queueDepth: Number(tasks[0]?.queued ?? 0),
          stages: byStage,
          containers: { total: Number(pool[0]?.total ?? 0), leased: Number(pool[0]?.leased ?? 0) },
          executors: Object.fromEntries(
            EXECUTOR_NAMES.map((name) => {
              const row = executors.find((candidate) => candidate.executor === name);
              return [name, { runs: Number(row?.runs ?? 0), costUsd: Number(row?.cost_usd ?? 0) }];
            }),
          ) as Record<ExecutorName, { runs: number; costUsd: number }>,
        },
        projectionDeadLetters: Number(deadLetters[0]?.count ?? 0),
      };
    });
  }

  /** Stream state, or nothing known while NATS does not answer. */
  private async readStreams(): Promise<{ lastSeq: number | null; deadLetters: Record<string, number> }> {
    if (!this.nats.isConnected) return { lastSeq: null, deadLetters: {} };
    try {
      const [bounds, counts] = await Promise.all([this.cursor.bounds('events'), this.cursor.deadLetterCounts()]);
      const prefix = this.nats.subjects.deadLetter('');
      const deadLetters = Object.fromEntries(Object.entries(counts).map(([subject, count]) => [subject.slice(prefix.length), count]));
      return { lastSeq: bounds.lastSeq, deadLetters };
    } catch {
      return { lastSeq: null, deadLetters: {} };
    }
  }
}
