import type { EntityManager } from 'typeorm';

/**
 * The SQL the projectors share: every write stamps the event's time and stream sequence,
 * never the database clock, so replaying the log yields the same rows.
 */
export class ReadModelRows {
  private collected: Statement[] | null = null;

  constructor(
    readonly manager: EntityManager,
    /** the event's stream sequence */
    readonly seq: number,
    /** the event's occurredAt */
    readonly at: string,
    /** the transaction's unit, when several events are applied in it */
    private readonly unit?: ProjectionUnit,
  ) {}

  query(sql: string, params: unknown[]): Promise<unknown> {
    if (this.collected !== null) {
      this.collected.push({ sql, params });
      return Promise.resolve();
    }
    return this.manager.query(sql, params);
  }

  /**
   * Runs the writes `work` makes as one statement (data-modifying CTEs): one round trip
   * instead of one each. Only for writes that do not read each other's rows — every part
   * of one statement sees the tables as they were before it.
   */
  async together(work: () => Promise<void>): Promise<void> {
    this.collected = [];
    let statements: Statement[];
    try {
      await work();
    } finally {
      statements = this.collected;
      this.collected = null;
    }
    if (statements.length > 0) {
      const { sql, params } = combine(statements);
      await this.manager.query(sql, params);
    }
  }

  /** `set` may use $4… for `params`. */
  async updateTask(taskId: string, set: string, params: unknown[]): Promise<void> {
    await this.query(`UPDATE tasks SET ${set}, updated_at = $2, last_event_seq = $3 WHERE id = $1`, [taskId, this.at, this.seq, ...params]);
  }

  /** `set` may use $5… for `params`; only the row of that attempt changes. */
  async updateStage(stageId: string, attempt: number, set: string, params: unknown[]): Promise<void> {
    await this.query(`UPDATE orchestrator_stages SET ${set}, updated_at = $3, last_event_seq = $4 WHERE id = $1 AND attempt = $2`, [
      stageId,
      attempt,
      this.at,
      this.seq,
      ...params,
    ]);
  }

  /**
   * Numbers the queued tasks 1, 2, … in the order they entered the queue — at once, or,
   * within a ProjectionUnit, once when the unit ends (every admission renumbers the whole
   * queue: per event, a long queue made a replay quadratic).
   */
  async renumberQueue(): Promise<void> {
    if (this.unit) {
      this.unit.queueChanged = true;
      return;
    }
    await renumberQueue(this.manager);
  }
}

/** The events applied in one transaction: what is left to do once, at its end. */
export class ProjectionUnit {
  queueChanged = false;

  async finish(manager: EntityManager): Promise<void> {
    if (this.queueChanged) await renumberQueue(manager);
    this.queueChanged = false;
  }
}

async function renumberQueue(manager: EntityManager): Promise<void> {
  await manager.query(
    `UPDATE tasks t SET queue_position = q.position
     FROM (SELECT id, row_number() OVER (ORDER BY priority DESC, queued_seq) AS position FROM tasks WHERE status = 'queued' AND queued_seq IS NOT NULL) q
     WHERE t.id = q.id AND t.queue_position IS DISTINCT FROM q.position`,
    [],
  );
}

interface Statement {
  sql: string;
  params: unknown[];
}

/** `WITH s0 AS (first), s1 AS (second) last`, each statement's `$n` moved past the ones before. */
export function combine(statements: readonly Statement[]): Statement {
  let offset = 0;
  const params: unknown[] = [];
  const parts = statements.map((statement) => {
    const shift = offset;
    offset += statement.params.length;
    params.push(...statement.params);
    return statement.sql.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + shift}`);
  });
  const last = parts.pop() ?? '';
  return { sql: parts.length === 0 ? last : `WITH ${parts.map((part, index) => `s${index} AS (${part})`).join(', ')} ${last}`, params };
}
