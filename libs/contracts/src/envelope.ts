import { z } from 'zod';
import type { CommandType, EventType, MessageData, MessageType } from './messages';

/** The envelope around every message on the wire. Its field names are a public API. */
export const envelopeSchema = z.object({
  /** UUID; also the `Nats-Msg-Id` header, so a re-publish is dropped as a duplicate */
  id: z.uuid(),
  kind: z.enum(['command', 'event']),
  type: z.string().min(1),
  /** schema version of `data` for this `type` */
  version: z.number().int().min(1),
  /** the aggregate the message is about: a task id, a pool id, `scheduler` */
  aggregateId: z.string().min(1),
  /** the id of the first message of the chain (a user's command) */
  correlationId: z.uuid(),
  /** the id of the message this one was emitted in reaction to; null for a user's command */
  causationId: z.uuid().nullable(),
  occurredAt: z.iso.datetime({ offset: true }),
  /** the app (and instance) that produced the message */
  producer: z.string().min(1),
  data: z.unknown(),
});

export interface Envelope<T extends MessageType = MessageType> {
  id: string;
  kind: T extends CommandType ? 'command' : 'event';
  type: T;
  version: number;
  aggregateId: string;
  correlationId: string;
  causationId: string | null;
  occurredAt: string;
  producer: string;
  data: MessageData<T>;
}

/** Any valid message, discriminated on `type`. */
export type OrchMessage = { [T in MessageType]: Envelope<T> }[MessageType];
export type OrchCommand = { [T in CommandType]: Envelope<T> }[CommandType];
export type OrchEvent = { [T in EventType]: Envelope<T> }[EventType];
export type MessageOf<T extends MessageType> = Envelope<T>;
