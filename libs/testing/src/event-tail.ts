import type { NatsClient } from '@app/messaging';
import { readEventLog, type LoggedEvent } from './event-log';

/**
 * Reads ORCH_EVENTS (below one subject filter) incrementally: each `poll()` returns only
 * what was stored since the last one, so waiting on a log of tens of thousands of events
 * does not re-read it all every time.
 */
export class EventTail {
  private nextSeq = 1;

  constructor(
    private readonly client: NatsClient,
    private readonly filter: string = client.subjects.allEvents,
  ) {}

  async poll(): Promise<LoggedEvent[]> {
    const events = await readEventLog(this.client, this.filter, this.nextSeq);
    const last = events.at(-1);
    if (last) this.nextSeq = last.seq + 1;
    return events;
  }
}
