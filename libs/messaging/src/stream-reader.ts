import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { validateEvent, type OrchEvent } from '@app/contracts';
import type { NatsClient } from './nats-client';

/** milliseconds a follower's pull waits on the server; half of it between the heartbeats that reveal a lost consumer */
const FOLLOW_PULL_EXPIRES_MS = 5_000;

/** One stored message of a stream, as a reader gets it. */
export interface StreamMessage {
  /** the stream sequence */
  seq: number;
  subject: string;
  data: Uint8Array;
  /** when the server stored it */
  time: Date;
  /** when the server stored it, milliseconds since the epoch with sub-millisecond precision */
  storedAtMs: number;
  headers: JsMsg['headers'];
  /** more messages were stored behind this one when it was delivered (a follower may take them in one batch) */
  more: boolean;
}

/** A stored message that is a valid event. */
export interface StoredEvent {
  /** the stream sequence */
  seq: number;
  subject: string;
  event: OrchEvent;
}

/** A live read, from a sequence on, until stopped. */
export interface StreamFollow<T = StreamMessage> {
  messages: AsyncIterable<T>;
  stop(): void;
}

export interface StreamRange {
  /** the first sequence wanted; default 1 */
  fromSeq?: number;
  /** the last sequence wanted; default the stream's last when the read starts */
  toSeq?: number;
  /** the subjects wanted; default every subject of the stream */
  filter?: string;
  /** messages pulled at a time: no more than that is held at once; default 512 */
  pageSize?: number;
}

/**
 * Every read of a stream's stored messages, through ordered consumers: ephemeral and
 * unacknowledged, so reading never disturbs an app's durable consumers. A live `follow`
 * or a bounded `range`; `validEvents` turns either into validated events.
 */
export class StreamReader {
  constructor(private readonly nats: NatsClient) {}

  /** Follows `stream` from `fromSeq` on (every subject, or those matching `filter`) until stopped. */
  async follow(stream: string, fromSeq: number, filter?: string): Promise<StreamFollow> {
    const consumer = await this.nats.js.consumers.get(stream, this.from(fromSeq, filter));
    // pulls of 5 s (heartbeats every 2.5 s): after a NATS restart the ephemeral consumer is gone, and
    // the client notices only when heartbeats stop; with the default 30 s a follower stood still for ~30 s
    const messages: ConsumerMessages = await consumer.consume({ max_messages: 512, expires: FOLLOW_PULL_EXPIRES_MS });
    return {
      messages: (async function* () {
        try {
          for await (const message of messages) yield toStreamMessage(message);
        } finally {
          messages.stop();
        }
      })(),
      stop: () => messages.stop(),
    };
  }

  /**
   * The messages of `stream` in `range` (both ends included), in order, then done: stops at
   * `toSeq` or when nothing more matches, whichever comes first.
   */
  async *range(stream: string, range: StreamRange = {}): AsyncGenerator<StreamMessage> {
    const fromSeq = range.fromSeq ?? 1;
    const toSeq = range.toSeq ?? (await this.nats.jsm.streams.info(stream)).state.last_seq;
    if (toSeq < fromSeq) return;
    const consumer = await this.nats.js.consumers.get(stream, this.from(fromSeq, range.filter));
    if ((await consumer.info(true)).num_pending === 0) return;
    const messages = await consumer.consume({ max_messages: range.pageSize ?? 512 });
    try {
      for await (const message of messages) {
        if (message.seq > toSeq) return;
        yield toStreamMessage(message);
        if (message.seq >= toSeq || message.info.pending === 0) return;
      }
    } finally {
      messages.stop();
    }
  }

  private from(fromSeq: number, filter: string | undefined) {
    return {
      ...(filter === undefined ? {} : { filter_subjects: filter }),
      ...(fromSeq <= 1 ? { deliver_policy: DeliverPolicy.All } : { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq }),
    };
  }
}

/** What an event is read from: a stored message's place and payload. */
export type EventSource = Pick<StreamMessage, 'seq' | 'subject' | 'data'>;

/**
 * The valid events among stored messages, in order, each with the message it was read from;
 * each message that is not one is told to `skipped` and left out.
 */
export async function* validEvents<M extends EventSource>(
  messages: AsyncIterable<M>,
  skipped: (message: M, reason: string) => void = () => undefined,
): AsyncGenerator<StoredEvent & { message: M }> {
  for await (const message of messages) {
    const validated = validateEvent(message.data);
    if (validated.ok) yield { seq: message.seq, subject: message.subject, event: validated.event, message };
    else skipped(message, validated.reason);
  }
}

function toStreamMessage(message: JsMsg): StreamMessage {
  return {
    seq: message.seq,
    subject: message.subject,
    data: message.data,
    time: message.time,
    storedAtMs: Number(message.timestampNanos) / 1e6,
    headers: message.headers,
    more: message.info.pending > 0,
  };
}
