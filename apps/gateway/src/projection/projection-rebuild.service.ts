import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { applyStoredMessage, lockCheckpoint, PROJECTION_NAME, saveCheckpoint } from './projection.step';
import { ProjectionUnit } from './read-model.rows';
import { StreamCursor } from './stream-cursor';

/** The tables the projection writes, children first. */
export const READ_MODEL_TABLES = ['orchestrator_stages', 'tasks', 'pool_slots', 'lease_requests', 'stage_runs'] as const;

export interface RebuildReport {
  /** the last stream sequence replayed; the checkpoint afterwards */
  lastSeq: number;
  /** events applied */
  events: number;
  /** messages that went to the dead letters */
  deadLetters: number;
  durationMs: number;
}

/**
 * Throws the read model away and replays ORCH_EVENTS from sequence 1, in one transaction:
 * readers see the old rows until the new ones are committed, and a gateway projecting at
 * the same time waits on the checkpoint row, then skips what the rebuild applied.
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
    const report = await this.dataSource.transaction(async (manager) => {
      await lockCheckpoint(manager);
      for (const table of READ_MODEL_TABLES) await manager.query(`DELETE FROM ${table}`);
      await manager.query('DELETE FROM dead_letters WHERE consumer = $1', [PROJECTION_NAME]);
      await manager.query(`SELECT setval('dead_letters_id_seq', COALESCE((SELECT MAX(id) FROM dead_letters), 0) + 1, false)`);
      const { lastSeq } = await this.cursor.bounds('events');
      let events = 0;
      let deadLetters = 0;
      const unit = new ProjectionUnit();
      for await (const message of this.cursor.range('events', 1, lastSeq)) {
        if ((await applyStoredMessage(manager, message, unit)) === null) deadLetters += 1;
        else events += 1;
      }
      await unit.finish(manager);
      await saveCheckpoint(manager, lastSeq);
      return { lastSeq, events, deadLetters };
    });
    const result = { ...report, durationMs: Date.now() - started };
    this.logger.log(`Rebuilt the read model from ${result.events} events up to #${result.lastSeq} (${result.deadLetters} dead letters) in ${result.durationMs} ms`);
    return result;
  }
}
