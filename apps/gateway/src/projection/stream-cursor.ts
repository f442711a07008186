import { Injectable } from '@nestjs/common';
import { NatsClient, StreamReader, type StreamFollow as StoredFollow, type StreamMessage as StoredMessage } from '@app/messaging';

/** One stored message of a stream, as the gateway reads it. */
export type StreamMessage = Pick<StoredMessage, 'seq' | 'subject' | 'data' | 'time'> & Partial<Pick<StoredMessage, 'more'>>;

/** A live read of a stream, from a sequence on, until stopped. */
export type StreamFollow = StoredFollow<StreamMessage>;

export type StreamName = 'events' | 'logs';

/** The first and last sequence a stream holds (first > last when it is empty). */
export interface StreamBounds {
  firstSeq: number;
  lastSeq: number;
}

/**
 * The gateway's reads of ORCH_EVENTS and ORCH_LOGS, by the gateway's names for them: the
 * only gateway file that touches the NATS JetStream API. The reads themselves are
 * `libs/messaging`'s `StreamReader` (ordered consumers).
 */
@Injectable()
export class StreamCursor {
  private readonly reader: StreamReader;

  constructor(private readonly nats: NatsClient) {
    this.reader = new StreamReader(nats);
  }

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
  follow(stream: StreamName, fromSeq: number, subject?: string): Promise<StreamFollow> {
    return this.reader.follow(this.streamName(stream), fromSeq, subject ?? this.allSubjects(stream));
  }

  /**
   * The messages from `fromSeq` to `toSeq` (both included) matching `subject`, in order,
   * then done: stops at `toSeq` or when nothing more matches, whichever comes first. Read
   * in pulls of `pageSize` messages: no more than that is held at a time.
   */
  range(stream: StreamName, fromSeq: number, toSeq: number, subject?: string, pageSize = 512): AsyncGenerator<StreamMessage> {
    return this.reader.range(this.streamName(stream), { fromSeq, toSeq, filter: subject ?? this.allSubjects(stream), pageSize });
  }

  private streamName(stream: StreamName): string {
    return stream === 'events' ? this.nats.subjects.eventsStream : this.nats.subjects.logsStream;
  }

  private allSubjects(stream: StreamName): string {
    return stream === 'events' ? this.nats.subjects.allEvents : this.nats.subjects.allLogs;
  }
}
