import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { validateMessage, type OrchEvent } from '@app/contracts';
import { project } from './projector';
import type { ProjectionUnit } from './read-model.rows';
import type { StreamMessage } from './stream-cursor';

/** The read model's name in `projection_checkpoints` and on its dead letters. */
export const PROJECTION_NAME = 'gateway-read-model';

const logger = new Logger('Projection');

/**
 * Applies one stored message to the read tables within `manager`'s transaction: a valid
 * event is projected; anything else is kept in `dead_letters` with the reason. Returns the
 * event, or null for a dead letter.
 */
export async function applyStoredMessage(manager: EntityManager, message: StreamMessage, unit?: ProjectionUnit): Promise<OrchEvent | null> {
  const validated = validateMessage(message.data);
  if (validated.ok && validated.message.kind === 'event') {
    const event = validated.message as OrchEvent;
    await project(manager, message.seq, event, unit);
    return event;
  }
  const reason = validated.ok ? `${validated.message.type} is a command on an event subject` : validated.reason;
  logger.warn(`Invalid event at #${message.seq} on ${message.subject}: ${reason}`);
  await manager.query(
    `INSERT INTO dead_letters (stream_sequence, consumer, subject, reason, payload, dead_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (stream_sequence) DO NOTHING`,
    [message.seq, PROJECTION_NAME, message.subject, storableText(reason), storableText(Buffer.from(message.data).toString('utf8')), message.time.toISOString()],
  );
  return null;
}

/** Postgres text cannot hold NUL: a payload (or a parse error quoting it) with one would stop the projection for good. */
function storableText(text: string): string {
  return text.replaceAll('\u0000', '\\u0000');
}

/** Locks the checkpoint row (creating it at 0) and returns the last applied sequence. */
export async function lockCheckpoint(manager: EntityManager): Promise<number> {
  await manager.query(
    `INSERT INTO projection_checkpoints (name, last_sequence, updated_at) VALUES ($1, 0, NOW()) ON CONFLICT (name) DO NOTHING`,
    [PROJECTION_NAME],
  );
  const rows: Array<{ last_sequence: string }> = await manager.query('SELECT last_sequence FROM projection_checkpoints WHERE name = $1 FOR UPDATE', [
    PROJECTION_NAME,
  ]);
  return Number(rows[0]?.last_sequence ?? 0);
}

/**
 * Locks the checkpoint row and moves it to `toSeq` in one round trip (the transaction
 * applies the events up to there before it commits); returns the sequence it was at.
 */
export async function advanceCheckpoint(manager: EntityManager, toSeq: number): Promise<number> {
  const advance = (): Promise<Array<{ last_sequence: string }>> =>
    manager.query(
      // a SELECT at the top, so the rows come back as rows (TypeORM answers an UPDATE with [rows, count])
      `WITH old AS (SELECT last_sequence FROM projection_checkpoints WHERE name = $1 FOR UPDATE),
            moved AS (UPDATE projection_checkpoints p SET last_sequence = GREATEST(old.last_sequence, $2), updated_at = NOW()
                      FROM old WHERE p.name = $1 RETURNING old.last_sequence)
       SELECT last_sequence FROM moved`,
      [PROJECTION_NAME, toSeq],
    );
  let rows = await advance();
  if (rows.length === 0) {
    await lockCheckpoint(manager); // made at the gateway's start; made again if it was deleted since
    rows = await advance();
  }
  return Number(rows[0]?.last_sequence ?? 0);
}

export async function saveCheckpoint(manager: EntityManager, seq: number): Promise<void> {
  await manager.query('UPDATE projection_checkpoints SET last_sequence = $2, updated_at = NOW() WHERE name = $1', [PROJECTION_NAME, seq]);
}
