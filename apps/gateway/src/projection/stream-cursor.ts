import { Injectable } from '@nestjs/common';
import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import { NatsClient } from '@app/messaging';

/** milliseconds a follower's pull waits on the server; half of it between the heartbeats that reveal a lost consumer */
const FOLLOW_PULL_EXPIRES_MS = 5_000;

/** One stored message of a stream, as the gateway reads it. */
export interface StreamMessage {
  /** the stream sequence */
  seq: number;
  subject: string;
  data: Uint8Array;
  /** when the server stored it */
  time: Date;
  /** more messages were stored behind this one when it was delivered (a follower may take them in one batch) */
  more?: boolean;
}

export type StreamName = 'events' | 'logs';

/** A live read of a stream, from a sequence on, until stopped. */
export interface StreamFollow {
  messages: AsyncIterable<StreamMessage>;
  stop(): void;
}

/** The first and last sequence a stream holds (first > last when it is empty). */
export interface StreamBounds {
  firstSeq: number;
  lastSeq: number;
}

/**
 * The gateway's reads of ORCH_EVENTS and ORCH_LOGS through ordered consumers: the only
 * gateway file that touches the NATS JetStream API. Ordered consumers are ephemeral and
 * unacknowledged, so reading never disturbs another app's durable consumers.
 */
@Injectable()
export class StreamCursor {
  constructor(private readonly nats: NatsClient) {}

  async bounds(stream: StreamName): Promise<StreamBounds> {
    const info = await this.nats.jsm.streams.info(this.streamName(stream));
    return { firstSeq: info.state.first_seq, lastSeq: info.state.last_seq };
  }

  /** Messages per subject of the dead-letter stream. */
  async deadLetterCounts(): Promise<Record<string, number>> {
    const info = await this.nats.jsm.streams.info(this.nats.subjects.deadLettersStream, { subjects_filter: '>' });
    return info.state.subjects ?? {};
  }

  /** Follows `stream` from `fromSeq` on (every subject, or those matching `subject`). */
  async follow(stream: StreamName, fromSeq: number, subject?: string): Promise<StreamFollow> {
    const consumer = await this.nats.js.consumers.get(this.streamName(stream), {
      filter_subjects: subject ?? this.allSubjects(stream),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, fromSeq),
    });
    // pulls of 5 s (heartbeats every 2.5 s): after a NATS restart the ephemeral consumer is gone, and
    // the client notices only when heartbeats stop; with the default 30 s the board stood still for ~30 s
    const messages: ConsumerMessages = await consumer.consume({ max_messages: 512, expires: FOLLOW_PULL_EXPIRES_MS });
    return {
      messages: (async function* () {
        try {
          for await (const message of messages) {
            yield { seq: message.seq, subject: message.subject, data: message.data, time: message.time, more: message.info.pending > 0 };
          }
        } finally {
          messages.stop();
        }
      })(),
      stop: () => messages.stop(),
    };
  }

  /**
   * The messages from `fromSeq` to `toSeq` (both included) matching `subject`, in order,
   * then done: stops at `toSeq` or when nothing more matches, whichever comes first. Read
   * in pulls of `pageSize` messages: no more than that is held at a time.
   */
  async *range(stream: StreamName, fromSeq: number, toSeq: number, subject?: string, pageSize = 512): AsyncGenerator<StreamMessage> {
    if (toSeq < fromSeq) return;
    const consumer = await this.nats.js.consumers.get(this.streamName(stream), {
      filter_subjects: subject ?? this.allSubjects(stream),
      deliver_policy: DeliverPolicy.StartSequence,
      opt_start_seq: Math.max(1, fromSeq),
    });
    if ((await consumer.info(true)).num_pending === 0) return;
    const messages = await consumer.consume({ max_messages: pageSize });
    try {
      for await (const message of messages) {
        if (message.seq > toSeq) return;
        yield { seq: message.seq, subject: message.subject, data: message.data, time: message.time };
        if (message.seq >= toSeq || message.info.pending === 0) return;
      }
    } finally {
      messages.stop();
    }
  }

  private streamName(stream: StreamName): string {
    return stream === 'events' ? this.nats.subjects.eventsStream : this.nats.subjects.logsStream;
  }

  private allSubjects(stream: StreamName): string {
    return stream === 'events' ? this.nats.subjects.allEvents : this.nats.subjects.allLogs;
  }
}
