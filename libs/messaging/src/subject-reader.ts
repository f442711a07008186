import { Injectable, Logger } from '@nestjs/common';
import { JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import { validateEvent } from '@app/contracts';
import { NatsClient } from './nats-client';
import { StreamReader, validEvents, type EventSource, type StoredEvent } from './stream-reader';

/** Past this many messages, a tail is read with an ordered consumer instead of direct gets. */
const DIRECT_TAIL_LIMIT = 24;

/** Reads one aggregate's history back from ORCH_EVENTS. */
@Injectable()
export class SubjectReader {
  private readonly logger = new Logger(SubjectReader.name);

  private readonly stream: StreamReader;

  constructor(private readonly nats: NatsClient) {
    this.stream = new StreamReader(nats);
  }

  /** The stream sequence of the subject's last message, 0 when it has none. */
  async lastSequence(subject: string): Promise<number> {
    try {
      const last = await this.nats.jsm.streams.getMessage(this.nats.subjects.eventsStream, { last_by_subj: subject });
      return last?.seq ?? 0;
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return 0;
      throw error;
    }
  }

  /** The last message on `subject`, if it is a valid event. */
  async last(subject: string): Promise<StoredEvent | null> {
    try {
      const stored = await this.nats.jsm.direct.getMessage(this.nats.subjects.eventsStream, { last_by_subj: subject });
      if (stored === null) return null;
      const events: StoredEvent[] = [];
      this.keep(events, subject, stored);
      return events[0] ?? null;
    } catch (error) {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.NoMessageFound) return null;
      throw error;
    }
  }

  /**
   * Every event on `subject` after `afterSeq`, in order, and the sequence of the last one:
   * the state a writer decides on and the sequence it then appends against.
   */
  async read(subject: string, afterSeq = 0): Promise<{ events: StoredEvent[]; lastSeq: number }> {
    const tail = await this.readTailDirect(subject, afterSeq);
    if (tail.complete) return tail;
    // a long tail: the rest, after what the direct gets already read, with an ordered consumer
    const rest = await this.readWithConsumer(subject, tail.lastSeq);
    return { events: [...tail.events, ...rest.events], lastSeq: Math.max(tail.lastSeq, rest.lastSeq) };
  }

  /**
   * A short tail, one direct get per message (`next_by_subj`): a round trip each, where an
   * ordered consumer costs several to create. Stops (`complete: false`) after
   * DIRECT_TAIL_LIMIT messages, past which a consumer pays for itself.
   */
  private async readTailDirect(subject: string, afterSeq: number): Promise<{ events: StoredEvent[]; lastSeq: number; complete: boolean }> {
    const events: StoredEvent[] = [];
    let lastSeq = afterSeq;
    for (let read = 0; read < DIRECT_TAIL_LIMIT; read += 1) {
      const stored = await this.nats.jsm.direct.getMessage(this.nats.subjects.eventsStream, { seq: lastSeq + 1, next_by_subj: subject });
      if (stored === null) return { events, lastSeq, complete: true };
      lastSeq = stored.seq;
      this.keep(events, subject, stored);
    }
    return { events, lastSeq, complete: false };
  }

  private async readWithConsumer(subject: string, afterSeq: number): Promise<{ events: StoredEvent[]; lastSeq: number }> {
    const lastSeq = await this.lastSequence(subject);
    if (lastSeq <= afterSeq) return { events: [], lastSeq };
    const events: StoredEvent[] = [];
    const range = { fromSeq: afterSeq + 1, toSeq: lastSeq, filter: subject, pageSize: 256 };
    const stored = this.stream.range(this.nats.subjects.eventsStream, range);
    for await (const { seq, event } of validEvents(stored, (message, reason) => this.skip(subject, message.seq, reason))) {
      events.push({ seq, subject, event });
    }
    return { events, lastSeq };
  }

  /** Adds a stored message to `events` if it is a valid event; anything else is skipped with a warning. */
  private keep(events: StoredEvent[], subject: string, stored: EventSource): void {
    const validated = validateEvent(stored.data);
    if (validated.ok) events.push({ seq: stored.seq, subject: stored.subject, event: validated.event });
    else this.skip(subject, stored.seq, validated.reason);
  }

  private skip(subject: string, seq: number, reason: string): void {
    this.logger.warn(`Skipping invalid message at ${subject} #${seq}: ${reason}`);
  }
}
