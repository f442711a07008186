import { Injectable } from '@nestjs/common';
import { DataSource, In, type EntityManager } from 'typeorm';
import { EXECUTOR_NAMES, STAGE_TYPES, type ExecutorName, type StageType, type TaskStatus } from '@app/contracts';
import { LeaseRequestEntity, PoolSlotEntity, ProjectEntity, StageEntity, TaskEntity } from '@app/persistence';
import { BOARD_COLUMNS, type BoardColumn } from '../services/board-columns';
import { PROJECTION_NAME, readCheckpoint } from './projection.step';

export interface PoolRows {
  slots: PoolSlotEntity[];
  /** in the order they will be granted, per pool */
  waiting: LeaseRequestEntity[];
}

export interface QueueRows {
  running: TaskEntity[];
  queued: TaskEntity[];
  seq: number;
}

export interface StageCounts {
  completed: number;
  /** failed or timed out */
  failed: number;
  cancelled: number;
  /** runs the model API's rate or usage limits parked (their stage ran again, using no retry) */
  parked: number;
  /** milliseconds those runs' stages waited for the limit to lift (so far, for one still waiting) */
  parkedWaitMs: number;
  /** runs that ended (completed, failed, timed out) with a known duration */
  durationCount: number;
  /** milliseconds, over those runs */
  durationSumMs: number;
}

/** The read model's numbers the metrics are made of, at one checkpoint. */
export interface ReadModelCounts {
  /** the projection checkpoint the numbers are as of */
  seq: number;
  activeOrchestrations: number;
  queueDepth: number;
  stages: Record<StageType, StageCounts>;
  containers: { total: number; leased: number };
  /** by the agent CLI that ran them: the runs that ended (completed, failed, timed out) and their cost in US dollars */
  executors: Record<ExecutorName, { runs: number; costUsd: number }>;
  /** events the projection kept as dead letters */
  projectionDeadLetters: number;
  /** the credentials a stage waits on now (parked on a rate or usage limit, not a budget), each until the latest of its stages' resumes */
  pausedCredentials: Array<{ credential: string; until: string }>;
}

export interface RunDuration {
  stageType: StageType;
  durationMs: number;
}

export interface TaskFilter {
  status?: TaskStatus | undefined;
  column?: BoardColumn | undefined;
  /** text the title contains, any case */
  q?: string | undefined;
  limit: number;
  offset: number;
}

/** A task's row with when its orchestration began (its first stage was scheduled). */
export interface TaskRow {
  task: TaskEntity;
  startedAt: Date | null;
}

export interface TaskPageRows {
  items: TaskRow[];
  total: number;
  /** the projection checkpoint the page was read at */
  seq: number;
}

export interface ColumnCountRows {
  columns: Record<BoardColumn, number>;
  seq: number;
}

/** Each column of the board as a condition on the tasks table (alias `task`), and the order of its cards. */
const COLUMN_FILTERS: Record<BoardColumn, { where: string; orderBy: Array<[string, 'ASC' | 'DESC', ('NULLS LAST' | undefined)?]> }> = {
  // the queue in its order, then the tasks not started, newest first (as the board shows them)
  queued: {
    where: "task.status IN ('created', 'queued')",
    orderBy: [
      ['task.queue_position', 'ASC', 'NULLS LAST'],
      ['task.created_at', 'DESC'],
    ],
  },
  // a running task whose first stage is not recorded yet stands in the first column
  specification: { where: "task.status = 'running' AND (task.current_stage = 'specification' OR task.current_stage IS NULL)", orderBy: [['task.updated_at', 'DESC']] },
  implementation: { where: "task.status = 'running' AND task.current_stage = 'implementation'", orderBy: [['task.updated_at', 'DESC']] },
  qa: { where: "task.status = 'running' AND task.current_stage = 'qa'", orderBy: [['task.updated_at', 'DESC']] },
  // the longest waiting first
  waiting: { where: "task.status = 'waiting'", orderBy: [['task.updated_at', 'ASC']] },
  done: { where: "task.status = 'done'", orderBy: [['task.updated_at', 'DESC']] },
  ended: { where: "task.status IN ('failed', 'cancelled')", orderBy: [['task.updated_at', 'DESC']] },
};

/** `text` as a LIKE pattern that matches it anywhere, its wildcards taken literally */
const containing = (text: string): string => `%${text.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;

/**
 * The gateway's reads of the read model: typed rows, each read that reports the sequence
 * it is as of taken in one snapshot with the checkpoint (`atCheckpoint`). Services and
 * controllers read through this, not through `DataSource`.
 */
@Injectable()
export class ReadModel {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * `read` in one REPEATABLE READ snapshot, with the projection checkpoint that snapshot
   * sees: the rows are exactly the events up to `seq` (one query after the other: a
   * transaction is one connection).
   */
  atCheckpoint<T extends object>(read: (manager: EntityManager) => Promise<T>): Promise<T & { seq: number }> {
    return this.snapshot(async (manager) => {
      const seq = await readCheckpoint(manager);
      return { ...(await read(manager)), seq };
    });
  }

  /** `read` in one REPEATABLE READ snapshot: every query of it sees the same rows. */
  private snapshot<T>(read: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction('REPEATABLE READ', read);
  }

  /** A page of tasks with the total that match: newest first, or in a column's order when filtered by column. */
  taskPage(filter: TaskFilter): Promise<TaskPageRows> {
    return this.atCheckpoint(async (manager) => {
      const query = manager.getRepository(TaskEntity).createQueryBuilder('task');
      if (filter.status) query.andWhere('task.status = :status', { status: filter.status });
      if (filter.q) query.andWhere('task.title ILIKE :q', { q: containing(filter.q) });
      const column = filter.column ? COLUMN_FILTERS[filter.column] : null;
      if (column) {
        query.andWhere(column.where);
        for (const [field, direction, nulls] of column.orderBy) query.addOrderBy(field, direction, nulls);
      } else {
        query.addOrderBy('task.created_at', 'DESC');
      }
      query.addOrderBy('task.id', 'DESC').offset(filter.offset).limit(filter.limit);
      const [items, total] = await query.getManyAndCount();
      const starts = await startsOf(manager, items.map((task) => task.id));
      return { items: items.map((task) => ({ task, startedAt: starts.get(task.id) ?? null })), total };
    });
  }

  /** How many tasks each column of the board holds (those whose title contains `q`, when given). */
  columnCounts(q: string | undefined): Promise<ColumnCountRows> {
    return this.atCheckpoint(async (manager) => {
      const selects = BOARD_COLUMNS.map((column) => `count(*) FILTER (WHERE ${COLUMN_FILTERS[column].where}) AS "${column}"`);
      const rows: Array<Record<BoardColumn, string>> = await manager.query(`SELECT ${selects.join(', ')} FROM tasks task${q ? ' WHERE task.title ILIKE $1' : ''}`, q ? [containing(q)] : []);
      const counts = rows[0];
      return { columns: Object.fromEntries(BOARD_COLUMNS.map((column) => [column, Number(counts?.[column] ?? 0)])) as Record<BoardColumn, number> };
    });
  }

  task(taskId: string): Promise<TaskEntity | null> {
    return this.dataSource.getRepository(TaskEntity).findOneBy({ id: taskId });
  }

  /** Each task reachable from `taskIds` through blocked_by, with its own blockers (one recursive query). */
  blockersReachableFrom(taskIds: readonly string[]): Promise<Array<{ id: string; blocked_by: string[] }>> {
    return this.dataSource.query(
      `WITH RECURSIVE reach(id) AS (
         SELECT unnest($1::uuid[])
         UNION SELECT unnest(t.blocked_by) FROM tasks t JOIN reach r ON t.id = r.id
       )
       SELECT t.id, t.blocked_by FROM tasks t JOIN reach r ON t.id = r.id`,
      [taskIds],
    );
  }

  /** When the task's first stage was scheduled; null before it has one. */
  async startOf(taskId: string): Promise<Date | null> {
    return (await startsOf(this.dataSource.manager, [taskId])).get(taskId) ?? null;
  }

  /** The task's stage runs, in the order they were scheduled. */
  stagesOf(taskId: string): Promise<StageEntity[]> {
    return this.dataSource.getRepository(StageEntity).find({ where: { taskId }, order: { createdAt: 'ASC', stageRound: 'ASC' } });
  }

  stage(stageId: string): Promise<StageEntity | null> {
    return this.dataSource.getRepository(StageEntity).findOneBy({ id: stageId });
  }

  /** Every project, by name. */
  projects(): Promise<ProjectEntity[]> {
    return this.dataSource.getRepository(ProjectEntity).find({ order: { name: 'ASC', id: 'ASC' } });
  }

  project(projectId: string): Promise<ProjectEntity | null> {
    return this.dataSource.getRepository(ProjectEntity).findOneBy({ id: projectId });
  }

  /** Whether Postgres answers at all. */
  async ping(): Promise<void> {
    await this.dataSource.query('SELECT 1');
  }

  /** The pool as projected from the pool events: each slot, and who waits for one. */
  pool(): Promise<PoolRows> {
    return this.snapshot(async (manager) => ({
      slots: await manager.getRepository(PoolSlotEntity).find({ order: { poolId: 'ASC', slot: 'ASC' } }),
      waiting: await manager.getRepository(LeaseRequestEntity).find({ order: { poolId: 'ASC', queuedSeq: 'ASC' } }),
    }));
  }

  /** The running and queued tasks (queue in order). */
  queue(): Promise<QueueRows> {
    return this.atCheckpoint(async (manager) => {
      const rows = await manager.getRepository(TaskEntity).find({ where: { status: In(['running', 'queued']) }, order: { queuePosition: 'ASC', updatedAt: 'ASC' } });
      return { running: rows.filter((task) => task.status === 'running'), queued: rows.filter((task) => task.status === 'queued') };
    });
  }

  /** Every finished run's duration: what the duration histogram is made of. */
  async runDurations(): Promise<RunDuration[]> {
    const rows: Array<{ stage_type: StageType; duration_ms: number }> = await this.dataSource.query(
      `SELECT stage_type, duration_ms FROM stage_runs WHERE outcome IN ('completed', 'failed', 'timed_out') AND duration_ms IS NOT NULL`,
    );
    return rows.map((row) => ({ stageType: row.stage_type, durationMs: row.duration_ms }));
  }

  /** Tasks running and queued, stage runs by outcome, slots leased, the projection's dead letters. */
  counts(): Promise<ReadModelCounts> {
    return this.atCheckpoint(async (manager) => {
      const tasks: Array<{ running: string; queued: string }> = await manager.query(
        `SELECT count(*) FILTER (WHERE status = 'running') AS running, count(*) FILTER (WHERE status = 'queued') AS queued FROM tasks`,
      );
      const stages: Array<{ stage_type: StageType; completed: string; failed: string; cancelled: string; parked: string; parked_wait_ms: string; duration_count: string; duration_sum_ms: string }> =
        await manager.query(
          `SELECT stage_type,
                  count(*) FILTER (WHERE outcome = 'completed') AS completed,
                  count(*) FILTER (WHERE outcome IN ('failed', 'timed_out')) AS failed,
                  count(*) FILTER (WHERE outcome = 'cancelled') AS cancelled,
                  count(*) FILTER (WHERE outcome = 'parked') AS parked,
                  COALESCE(sum(GREATEST(0, EXTRACT(EPOCH FROM (LEAST(now(), COALESCE(resume_at, now())) - ended_at)) * 1000)) FILTER (WHERE outcome = 'parked'), 0) AS parked_wait_ms,
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
      const paused: Array<{ credential: string; until: Date }> = await manager.query(
        `SELECT parked_credential AS credential, max(parked_until) AS until FROM orchestrator_stages
         WHERE parked_credential IS NOT NULL AND parked_limit <> 'budget' AND parked_until > now() GROUP BY parked_credential ORDER BY parked_credential`,
      );
      const byStage = Object.fromEntries(
        STAGE_TYPES.map((stageType) => {
          const row = stages.find((candidate) => candidate.stage_type === stageType);
          const counts: StageCounts = {
            completed: Number(row?.completed ?? 0),
            failed: Number(row?.failed ?? 0),
            cancelled: Number(row?.cancelled ?? 0),
            parked: Number(row?.parked ?? 0),
            parkedWaitMs: Number(row?.parked_wait_ms ?? 0),
            durationCount: Number(row?.duration_count ?? 0),
            durationSumMs: Number(row?.duration_sum_ms ?? 0),
          };
          return [stageType, counts];
        }),
      ) as Record<StageType, StageCounts>;
      return {
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
        projectionDeadLetters: Number(deadLetters[0]?.count ?? 0),
        pausedCredentials: paused.map((row) => ({ credential: row.credential, until: new Date(row.until).toISOString() })),
      };
    });
  }
}

/** When each task's first stage was scheduled, for the tasks that have one. */
async function startsOf(manager: EntityManager, taskIds: string[]): Promise<Map<string, Date>> {
  if (taskIds.length === 0) return new Map();
  const rows: Array<{ task_id: string; started_at: Date }> = await manager.query(
    'SELECT task_id, min(created_at) AS started_at FROM orchestrator_stages WHERE task_id = ANY($1::uuid[]) AND created_at IS NOT NULL GROUP BY task_id',
    [taskIds],
  );
  return new Map(rows.map((row) => [row.task_id, new Date(row.started_at)]));
}
