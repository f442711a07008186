import type { EntityManager } from 'typeorm';
import { escapeLiteral } from 'pg';

/** collected SQL (bytes, about) after which a unit is written before more is collected */
export const UNIT_WRITE_BYTES = 4 * 1024 * 1024;

/**
 * The SQL the projectors share: every write stamps the event's time and stream sequence,
 * never the database clock, so replaying the log yields the same rows. Writes are not sent
 * at once: they are collected in the transaction's ProjectionUnit, in order, and sent
 * together (see ProjectionUnit.write).
 */
export class ReadModelRows {
  constructor(
    private readonly unit: ProjectionUnit,
    /** the event's stream sequence */
    readonly seq: number,
    /** the event's occurredAt */
    readonly at: string,
    /** the event's type, to name it when its writes are refused */
    private readonly type: string,
  ) {}

  /** Collects a write; `$n` is `params[n - 1]`, sent as a literal of unknown type (as an untyped parameter is). */
  query(sql: string, params: unknown[]): Promise<void> {
    this.unit.collect(this.seq, this.type, inlined(sql, params));
    return Promise.resolve();
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
   * Numbers the queued tasks 1, 2, … in the order they entered the queue, once when the
   * unit ends (every admission renumbers the whole queue: per event, a long queue made a
   * replay quadratic).
   */
  async renumberQueue(): Promise<void> {
    this.unit.queueChanged = true;
    return Promise.resolve();
  }
}

/** The writes of one event, as collected. */
interface EventWrites {
  seq: number;
  type: string;
  statements: string[];
}

/** An event's writes the database refused; `cause` is the database's error. */
export class EventWritesRefused extends Error {
  constructor(
    readonly seq: number,
    readonly type: string,
    override readonly cause: unknown,
  ) {
    super(`#${seq} ${type}: ${(cause as Error).message}`);
  }
}

/**
 * The events applied in one transaction: their writes, collected in order and sent as one
 * multi-statement query (one round trip for a batch instead of one or more per event; each
 * statement sees the ones before it, as sent one by one), and what is left to do once at
 * the transaction's end.
 */
export class ProjectionUnit {
  queueChanged = false;
  private collected: EventWrites[] = [];
  private bytes = 0;

  rowsFor(seq: number, at: string, type: string): ReadModelRows {
    return new ReadModelRows(this, seq, at, type);
  }

  collect(seq: number, type: string, statement: string): void {
    const last = this.collected.at(-1);
    if (last?.seq === seq) last.statements.push(statement);
    else this.collected.push({ seq, type, statements: [statement] });
    this.bytes += statement.length;
  }

  /** Whether so much is collected that it should be written before more is. */
  get full(): boolean {
    return this.bytes >= UNIT_WRITE_BYTES;
  }

  /**
   * Sends what was collected, in one round trip within a savepoint. When the database
   * refuses it, goes back to the savepoint and sends it again event by event: the events
   * before the refused one are kept, and EventWritesRefused names it.
   */
  async write(manager: EntityManager): Promise<void> {
    const events = this.collected;
    this.collected = [];
    this.bytes = 0;
    if (events.length === 0) return;
    try {
      await manager.query(['SAVEPOINT projection_unit', ...events.flatMap((event) => event.statements), 'RELEASE SAVEPOINT projection_unit'].join(';\n'));
      return;
    } catch (error) {
      await manager.query('ROLLBACK TO SAVEPOINT projection_unit').catch(() => {
        throw error; // the connection or transaction is gone: that is the failure to report
      });
    }
    for (const event of events) {
      try {
        await manager.query(event.statements.join(';\n'));
      } catch (error) {
        throw new EventWritesRefused(event.seq, event.type, error);
      }
    }
    await manager.query('RELEASE SAVEPOINT projection_unit');
  }

  /** Writes what is collected, then renumbers the queue if an event changed it. */
  async finish(manager: EntityManager): Promise<void> {
    await this.write(manager);
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

/**
 * `sql` with each `$n` replaced by `params[n - 1]` as a quoted literal, as node-postgres
 * would send the parameter's text (a number's or boolean's `String`, NULL for null). A
 * quoted literal is of unknown type until its context gives it one, like an untyped
 * parameter, so the statement means what it meant with parameters.
 */
export function inlined(sql: string, params: readonly unknown[]): string {
  return sql.replace(/\$(\d+)/g, (placeholder, n: string) => {
    const index = Number(n) - 1;
    if (index < 0 || index >= params.length) throw new RangeError(`${placeholder} has no parameter`);
    return literal(params[index]);
  });
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'string') return escapeLiteral(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return escapeLiteral(String(value));
  if (value instanceof Date) return escapeLiteral(value.toISOString());
  throw new TypeError(`a ${typeof value} cannot be written as a literal (JSON.stringify it)`);
}
