import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { applyStoredMessages, EventNotApplied, lockCheckpoint, PROJECTION_NAME, saveCheckpoint } from './projection.step';
import { ProjectionUnit } from './read-model.rows';
import { StreamCursor, type StreamMessage } from './stream-cursor';

/** messages applied with one claim of their envelope ids */
const CHUNK = 256;

/** The tables the projection writes, children first. */
export const READ_MODEL_TABLES = ['orchestrator_stages', 'tasks', 'pool_slots', 'lease_requests', 'stage_runs', 'projects', 'projected_events'] as const;

export interface RebuildReport {
  /** the last stream sequence replayed; the checkpoint afterwards */
  lastSeq: number;
  /** events applied */
  events: number;
  /** messages that went to the dead letters (invalid, or events the tables refused) */
  deadLetters: number;
  /** second copies of an envelope already applied, skipped */
  duplicates: number;
  durationMs: number;
}

/**
 * Throws the read model away and replays ORCH_EVENTS from sequence 1, in one transaction:
 * readers see the old rows until the new ones are committed, and a gateway projecting at
 * the same time waits on the checkpoint row, then skips what the rebuild applied. An
 * event the tables refuse is kept as a dead letter and the replay starts again without it,
 * as the live projection skips it.
 */
@Injectable()
export class ProjectionRebuildService {
  private readonly logger = new Logger('ProjectionRebuild');

  constructor(
    private readonly dataSource: DataSource,
    private readonly cursor: StreamCursor,
  ) {}

  async rebuild(): Promise<RebuildReport> {
    const started = Date.now();
    const unapplicable = new Map<number, string>();
    let report: Omit<RebuildReport, 'durationMs'> | null = null;
    while (report === null) {
      try {
        report = await this.replay(unapplicable);
      } catch (error) {
        if (!(error instanceof EventNotApplied) || unapplicable.has(error.seq)) throw error;
        this.logger.warn(`Replaying again without the event at #${error.seq}, kept as a dead letter: ${error.reason}`);
        unapplicable.set(error.seq, error.reason);
      }
    }
    const result = { ...report, durationMs: Date.now() - started };
    this.logger.log(
      `Rebuilt the read model from ${result.events} events up to #${result.lastSeq} (${result.deadLetters} dead letters) in ${result.durationMs} ms; ${result.duplicates} second copies of an event skipped`,
    );
    return result;
  }

  private replay(unapplicable: ReadonlyMap<number, string>): Promise<Omit<RebuildReport, 'durationMs'>> {
    return this.dataSource.transaction(async (manager) => {
      await lockCheckpoint(manager);
      for (const table of READ_MODEL_TABLES) await manager.query(`DELETE FROM ${table}`);
      await manager.query('DELETE FROM dead_letters WHERE consumer = $1', [PROJECTION_NAME]);
      await manager.query(`SELECT setval('dead_letters_id_seq', COALESCE((SELECT MAX(id) FROM dead_letters), 0) + 1, false)`);
      const { lastSeq } = await this.cursor.bounds('events');
      const counts = { events: 0, deadLetters: 0, duplicates: 0 };
      const unit = new ProjectionUnit();
      const applyChunk = async (chunk: StreamMessage[]): Promise<void> => {
        for (const { outcome } of await applyStoredMessages(manager, chunk, unit, unapplicable)) {
          if (outcome === 'applied') counts.events += 1;
          else if (outcome === 'dead-letter') counts.deadLetters += 1;
          else counts.duplicates += 1;
        }
      };
      let chunk: StreamMessage[] = [];
      for await (const message of this.cursor.range('events', 1, lastSeq)) {
        chunk.push(message);
        if (chunk.length < CHUNK) continue;
        await applyChunk(chunk);
        chunk = [];
      }
      await applyChunk(chunk);
      await unit.finish(manager);
      await saveCheckpoint(manager, lastSeq);
      return { lastSeq, ...counts };
    });
  }
}
