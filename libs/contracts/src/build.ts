import { COMMAND_SUBJECTS } from './subjects';
import type { Envelope } from './envelope';
import { deterministicId, uuidv7 } from './ids';
import { MESSAGE_CATALOGUE, type MessageData, type MessageType } from './messages';

export interface MessageOrigin {
  /** the app (and instance) producing the message */
  producer: string;
  /** the time to stamp, ISO 8601 */
  occurredAt: string;
}

/**
 * A message that starts a chain: a user's command or an event with no cause. Its id is
 * fresh unless one is given (the gateway derives it from an idempotency key).
 */
export function newMessage<T extends MessageType>(
  type: T,
  aggregateId: string,
  data: MessageData<T>,
  origin: MessageOrigin & { id?: string },
): Envelope<T> {
  const id = origin.id ?? uuidv7(Date.parse(origin.occurredAt));
  return envelope(type, aggregateId, data, { id, correlationId: id, causationId: null, ...origin });
}

/**
 * A message emitted in reaction to `cause`. Its id is derived from the cause's id, the
 * type and `discriminator`, so handling the same cause twice yields the same ids.
 */
export function causedMessage<T extends MessageType>(
  cause: Pick<Envelope, 'id' | 'correlationId'>,
  type: T,
  aggregateId: string,
  data: MessageData<T>,
  origin: MessageOrigin,
  discriminator = '',
): Envelope<T> {
  return envelope(type, aggregateId, data, {
    id: deterministicId(cause.id, type, aggregateId, discriminator),
    correlationId: cause.correlationId,
    causationId: cause.id,
    ...origin,
  });
}

function envelope<T extends MessageType>(
  type: T,
  aggregateId: string,
  data: MessageData<T>,
  meta: { id: string; correlationId: string; causationId: string | null } & MessageOrigin,
): Envelope<T> {
  const entry = MESSAGE_CATALOGUE[type];
  return {
    id: meta.id,
    kind: entry.kind as Envelope<T>['kind'],
    type,
    version: entry.version,
    aggregateId,
    correlationId: meta.correlationId,
    causationId: meta.causationId,
    occurredAt: meta.occurredAt,
    producer: meta.producer,
    data,
  };
}

export function isCommandType(type: MessageType): type is keyof typeof COMMAND_SUBJECTS {
  return MESSAGE_CATALOGUE[type].kind === 'command';
}

type DataByType = { [T in MessageType]: MessageData<T> };

/**
 * A message a decider wants written, before it is put in an envelope: its type and data
 * (each type with its own data, a union narrowed on `type`), and `key`, which tells two
 * drafts of one type from one cause apart (it is part of the derived id). A decider
 * returns drafts of its aggregate's own types only: `DraftOf<TaskEventType>`.
 */
export type DraftOf<T extends MessageType> = { [K in T]: { type: K; data: DataByType[K]; key?: string } }[T];
/** The envelope of a draft of `T`: for a union of types, the union of their envelopes. */
export type EnvelopeOf<T extends MessageType> = { [K in T]: Envelope<K> }[T];

export function draft<T extends MessageType>(type: T, data: DataByType[T], key?: string): DraftOf<T> {
  return key === undefined ? { type, data } : { type, data, key };
}

/** A draft put in its envelope, as a message caused by `cause` about `aggregateId` (see `causedMessage`). */
export function sealDraft<T extends MessageType>(
  cause: Pick<Envelope, 'id' | 'correlationId'>,
  aggregateId: string,
  item: DraftOf<T>,
  origin: MessageOrigin,
): EnvelopeOf<T> {
  return causedMessage(cause, item.type, aggregateId, item.data, origin, item.key ?? '');
}
