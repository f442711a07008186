import { DeliverPolicy } from '@nats-io/jetstream';
import { validateMessage, type OrchEvent } from '@app/contracts';
import type { NatsClient } from '@app/messaging';
import type { LoggedEvent } from './event-log';

/**
 * Reads ORCH_EVENTS (below one subject filter) incrementally: each `poll()` returns only
 * what was stored since the last one, so waiting on a log of tens of thousands of events
 * does not re-read it all every time.
 */
export class EventTail {
  private lastSeq = 0;

  constructor(
    private readonly client: NatsClient,
    private readonly filter: string = client.subjects.allEvents,
  ) {}

  async poll(): Promise<LoggedEvent[]> {
    const { subjects, jsm, js } = this.client;
    const info = await jsm.streams.info(subjects.eventsStream);
    const last = info.state.last_seq;
    if (last <= this.lastSeq) return [];
    const consumer = await js.consumers.get(subjects.eventsStream, { filter_subjects: this.filter, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.lastSeq + 1 });
    const events: LoggedEvent[] = [];
    if ((await consumer.info(false)).num_pending === 0) {
      this.lastSeq = last;
      return events;
    }
    const messages = await consumer.consume({ max_messages: 1_024 });
    try {
      for await (const message of messages) {
        const validated = validateMessage(message.data);
        if (validated.ok && validated.message.kind === 'event') events.push({ seq: message.seq, subject: message.subject, event: validated.message as OrchEvent, storedAtMs: Number(message.timestampNanos) / 1e6 });
        if (message.seq >= last || message.info.pending === 0) break;
      }
    } finally {
      messages.stop();
    }
    this.lastSeq = Math.max(last, events.at(-1)?.seq ?? 0);
    return events;
  }
}
