import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { validateMessage, type OrchEvent } from '@app/contracts';
import { EventFeed } from './event-feed';
import { advanceCheckpoint, applyStoredMessage, lockCheckpoint } from './projection.step';
import { ProjectionUnit } from './read-model.rows';
import { ResumingFollower } from './resuming-follower';
import { StreamCursor, type StreamMessage } from './stream-cursor';

/** events applied in one transaction at most, when a backlog is waiting */
const MAX_BATCH = 256;

/**
 * Keeps the read tables in step with ORCH_EVENTS: an ordered consumer from the stored
 * checkpoint, the events at hand applied in one transaction with the checkpoint (one
 * alone when they come one by one, up to MAX_BATCH from a backlog), so a redelivered
 * event changes nothing and several gateways may project side by side. Every event is then
 * handed to the EventFeed, in order, whether this gateway or another one applied it.
 */
@Injectable()
export class ProjectionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly follower: ResumingFollower;

  constructor(
    private readonly dataSource: DataSource,
    cursor: StreamCursor,
    private readonly feed: EventFeed,
  ) {
    this.follower = new ResumingFollower(cursor, 'events', new Logger('Projection'));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.feed.startAt(await this.checkpoint());
    this.follower.startBatched(() => this.feed.lastSeq + 1, (messages) => this.apply(messages), MAX_BATCH);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower.stop();
  }

  /** The last stream sequence applied. */
  get lastApplied(): number {
    return this.feed.lastSeq;
  }

  /** Why the projection is not advancing, or null while it runs. */
  get stalledBecause(): string | null {
    return this.follower.failure;
  }

  /** Resolves true once the event at `seq` is applied, or false after `timeoutMs`. */
  waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    return this.feed.reached(seq, timeoutMs);
  }

  /** Where the projection stands; its row is made here at 0 on a fresh database, so it exists from the start. */
  private checkpoint(): Promise<number> {
    return this.dataSource.transaction((manager) => lockCheckpoint(manager));
  }

  /**
   * Applies a batch of messages in one transaction with one checkpoint update (what the
   * checkpoint already covers is only handed on), then hands each event on, in order.
   */
  private async apply(batch: StreamMessage[]): Promise<void> {
    const messages = batch.filter((message) => message.seq > this.feed.lastSeq);
    const last = messages.at(-1);
    if (last === undefined) return;
    const events = await this.dataSource.transaction(async (manager): Promise<Array<OrchEvent | null>> => {
      const checkpoint = await advanceCheckpoint(manager, last.seq);
      const unit = new ProjectionUnit();
      const applied: Array<OrchEvent | null> = [];
      for (const message of messages) {
        applied.push(message.seq <= checkpoint ? parsedEvent(message) : await applyStoredMessage(manager, message, unit));
      }
      await unit.finish(manager);
      return applied;
    });
    messages.forEach((message, index) => {
      const event = events[index];
      if (event) this.feed.publish({ seq: message.seq, event });
      else this.feed.advance(message.seq);
    });
  }
}

/** The event of a message another gateway (or a rebuild) already applied. */
function parsedEvent(message: StreamMessage): OrchEvent | null {
  const validated = validateMessage(message.data);
  return validated.ok && validated.message.kind === 'event' ? (validated.message as OrchEvent) : null;
}
