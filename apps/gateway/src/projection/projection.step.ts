import { Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { validateEvent, type OrchEvent } from '@app/contracts';
import { project } from './projector';
import { EventWritesRefused, type ProjectionUnit } from './read-model.rows';
import { storableText, storableValue } from './storable-text';
import type { StreamMessage } from './stream-cursor';

/** The read model's name in `projection_checkpoints` and on its dead letters. */
export const PROJECTION_NAME = 'gateway-read-model';

const logger = new Logger('Projection');

/** SQLSTATE classes that blame the data, not the database: data exception, integrity constraint, program limit (a value too large) */
const DATA_ERROR_CLASSES = ['22', '23', '54'];

/**
 * A stored event the read tables refused for what it holds (a number out of range, a value
 * too long, a constraint), not for the database's state: trying again gives the same answer.
 */
export class EventNotApplied extends Error {
  constructor(
    /** the stream sequence of the event */
    readonly seq: number,
    /** what went wrong, for the dead letter */
    readonly reason: string,
  ) {
    super(`#${seq}: ${reason}`);
  }
}

/** What became of a stored message: applied (its event, text made storable), a dead letter, or a second copy skipped. */
export type StoredOutcome = { outcome: 'applied'; event: OrchEvent } | { outcome: 'dead-letter' } | { outcome: 'duplicate' };

/**
 * Applies stored messages, in order, to the read tables within `manager`'s transaction: a
 * valid event is projected once per envelope id (a second copy is skipped); anything else
 * is kept in `dead_letters` with the reason, and so is an event listed in `unapplicable`
 * (sequence → reason: one the tables refused before). The events' writes go to the
 * database together (`unit`), all of them before this returns. Returns what became of
 * each message. Throws EventNotApplied for an event the tables refuse now.
 */
export async function applyStoredMessages(
  manager: EntityManager,
  messages: readonly StreamMessage[],
  unit: ProjectionUnit,
  unapplicable: ReadonlyMap<number, string> = new Map(),
): Promise<StoredOutcome[]> {
  const read = messages.map((message) => ({ message, read: readStoredEvent(message, unapplicable) }));
  const fresh = await claimEnvelopes(
    manager,
    read.flatMap(({ message, read }) => ('event' in read ? [{ id: read.event.id, seq: message.seq }] : [])),
  );
  const outcomes: StoredOutcome[] = [];
  for (const { message, read: stored } of read) {
    if (!('event' in stored)) {
      await keepDeadLetter(manager, message, stored.reason);
      outcomes.push({ outcome: 'dead-letter' });
    } else if (fresh.get(stored.event.id) !== message.seq) {
      logger.warn(`Skipped #${message.seq} on ${message.subject}: ${stored.event.type} ${stored.event.id} is applied already`);
      outcomes.push({ outcome: 'duplicate' });
    } else {
      await projectStored(manager, message.seq, stored.event, unit);
      outcomes.push({ outcome: 'applied', event: stored.event });
      if (unit.full) await writeUnit(manager, unit);
    }
  }
  await writeUnit(manager, unit);
  return outcomes;
}

/** A message's event with its text made storable, or why it is a dead letter. */
function readStoredEvent(message: StreamMessage, unapplicable: ReadonlyMap<number, string>): { event: OrchEvent } | { reason: string } {
  const validated = validateEvent(message.data);
  if (!validated.ok) return { reason: validated.reason };
  const refused = unapplicable.get(message.seq);
  if (refused !== undefined) return { reason: refused };
  return { event: storableValue(validated.event) };
}

/**
 * Records the envelope ids as applied, in one statement; returns those that were not yet,
 * each with the sequence of its first copy among `envelopes`.
 */
async function claimEnvelopes(manager: EntityManager, envelopes: ReadonlyArray<{ id: string; seq: number }>): Promise<Map<string, number>> {
  const first = new Map<string, number>();
  for (const { id, seq } of envelopes) if (!first.has(id)) first.set(id, seq);
  if (first.size === 0) return first;
  const rows: Array<{ event_id: string }> = await manager.query(
    `INSERT INTO projected_events (event_id, stream_sequence) SELECT * FROM unnest($1::uuid[], $2::bigint[])
     ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
    [[...first.keys()], [...first.values()]],
  );
  const claimed = new Set(rows.map((row) => row.event_id));
  return new Map([...first].filter(([id]) => claimed.has(id)));
}

/** Projects one event into `unit`; an event whose writes cannot be made of its data is EventNotApplied. */
async function projectStored(manager: EntityManager, seq: number, event: OrchEvent, unit: ProjectionUnit): Promise<void> {
  try {
    await project(manager, seq, event, unit);
  } catch (error) {
    throw notApplied(seq, event.type, error);
  }
}

/** Sends the unit's writes; the tables refusing an event's data is EventNotApplied naming that event. */
async function writeUnit(manager: EntityManager, unit: ProjectionUnit): Promise<void> {
  try {
    await unit.write(manager);
  } catch (error) {
    if (!(error instanceof EventWritesRefused)) throw error;
    throw notApplied(error.seq, error.type, error.cause);
  }
}

function notApplied(seq: number, type: string, error: unknown): unknown {
  if (!blamesTheData(error)) return error;
  return new EventNotApplied(seq, storableText(`${type} could not be applied to the read model: ${(error as Error).message}`));
}

/** Whether `error` is Postgres refusing a value (see DATA_ERROR_CLASSES), as opposed to a connection, lock or schema problem. */
function blamesTheData(error: unknown): boolean {
  if (error instanceof RangeError || error instanceof TypeError) return true;
  const code = sqlState(error);
  return code !== null && DATA_ERROR_CLASSES.includes(code.slice(0, 2));
}

function sqlState(error: unknown): string | null {
  if (typeof error !== 'object' || error === null) return null;
  const { code, driverError } = error as { code?: unknown; driverError?: unknown };
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  return driverError === undefined ? null : sqlState(driverError);
}

async function keepDeadLetter(manager: EntityManager, message: StreamMessage, reason: string): Promise<void> {
  logger.warn(`Kept #${message.seq} on ${message.subject} as a dead letter: ${reason}`);
  await manager.query(
    `INSERT INTO dead_letters (stream_sequence, consumer, subject, reason, payload, dead_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (stream_sequence) DO NOTHING`,
    [message.seq, PROJECTION_NAME, storableText(message.subject), storableText(reason), storableText(Buffer.from(message.data).toString('utf8')), message.time.toISOString()],
  );
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

/** The sequence the read model is at, as `manager`'s transaction sees it (0 before the first event): the one query for it. */
export async function readCheckpoint(manager: EntityManager): Promise<number> {
  const rows: Array<{ last_sequence: string }> = await manager.query('SELECT last_sequence FROM projection_checkpoints WHERE name = $1', [PROJECTION_NAME]);
  return Number(rows[0]?.last_sequence ?? 0);
}
