import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock } from '@app/config';
import { validateEvent, type OrchEvent } from '@app/contracts';
import { EventFeed } from './event-feed';
import { advanceCheckpoint, applyStoredMessages, EventNotApplied, lockCheckpoint } from './projection.step';
import { ProjectionUnit } from './read-model.rows';
import { ResumingFollower } from './resuming-follower';
import { storableValue } from './storable-text';
import { StreamCursor, type StreamMessage } from './stream-cursor';

/** events applied in one transaction at most, when a backlog is waiting */
const MAX_BATCH = 256;
/** tries (a second apart) of an event the tables refuse for its data, before it goes to the dead letters */
export const MAX_EVENT_TRIES = 3;

/**
 * Keeps the read tables in step with ORCH_EVENTS: an ordered consumer from the stored
 * checkpoint, the events at hand applied in one transaction with the checkpoint (one
 * alone when they come one by one, up to MAX_BATCH from a backlog), so a redelivered
 * event changes nothing and several gateways may project side by side. Every event is then
 * handed to the EventFeed, in order, whether this gateway or another one applied it.
 * An event the tables refuse for what it holds is tried MAX_EVENT_TRIES times, then kept
 * as a dead letter with the reason and skipped (a rebuild skips the same ones): no stored
 * event stops the read model.
 */
@Injectable()
export class ProjectionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projection');
  private readonly follower: ResumingFollower;
  /** sequence → failed tries, of the events the tables refused so far */
  private readonly refusals = new Map<number, number>();
  /** when the events now waiting were handed over, while they wait; null while none does */
  private waitingSince: Date | null = null;

  constructor(
    private readonly dataSource: DataSource,
    cursor: StreamCursor,
    private readonly feed: EventFeed,
    private readonly clock: Clock,
  ) {
    this.follower = new ResumingFollower(cursor, 'events', this.logger);
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

  /** Why the last attempt to read or apply failed, or null while events flow. */
  get lastFailure(): string | null {
    return this.follower.failure;
  }

  /** Seconds the events handed to the projection have waited without being applied (0 while none waits). */
  stalledForS(): number {
    return this.waitingSince === null ? 0 : Math.max(0, (this.clock.now().getTime() - this.waitingSince.getTime()) / 1000);
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
   * Applies a batch in one transaction; when an event in it is refused, the batch again
   * one by one, so the events before it are kept and the refused one is tried alone.
   */
  private async apply(batch: StreamMessage[]): Promise<void> {
    this.waitingSince ??= this.clock.now();
    await this.applyEach(batch);
    this.waitingSince = null;
  }

  private async applyEach(batch: StreamMessage[]): Promise<void> {
    if (batch.length > 1) {
      try {
        await this.applyTogether(batch);
        return;
      } catch (error) {
        if (!(error instanceof EventNotApplied)) throw error;
      }
    }
    for (const message of batch) await this.applyAlone(message);
  }

  /** A refused event throws (the follower tries again a second later) until its last try, which keeps it as a dead letter. */
  private async applyAlone(message: StreamMessage): Promise<void> {
    try {
      await this.applyTogether([message]);
      this.refusals.delete(message.seq);
    } catch (error) {
      if (!(error instanceof EventNotApplied)) throw error;
      const tries = (this.refusals.get(message.seq) ?? 0) + 1;
      this.refusals.set(message.seq, tries);
      if (tries < MAX_EVENT_TRIES) throw error;
      await this.applyTogether([message], new Map([[message.seq, error.reason]]));
      this.refusals.delete(message.seq);
      this.logger.error(`Skipped the event at #${message.seq} on ${message.subject} after ${tries} tries, kept as a dead letter: ${error.reason}`);
    }
  }

  /**
   * Applies messages in one transaction with one checkpoint update (what the checkpoint
   * already covers is only handed on), then hands each event on, in order.
   */
  private async applyTogether(batch: StreamMessage[], unapplicable?: ReadonlyMap<number, string>): Promise<void> {
    const messages = batch.filter((message) => message.seq > this.feed.lastSeq);
    const last = messages.at(-1);
    if (last === undefined) return;
    const events = await this.dataSource.transaction(async (manager): Promise<Array<OrchEvent | null>> => {
      const checkpoint = await advanceCheckpoint(manager, last.seq);
      const unit = new ProjectionUnit();
      const alreadyApplied = messages.filter((message) => message.seq <= checkpoint);
      const outcomes = await applyStoredMessages(manager, messages.slice(alreadyApplied.length), unit, unapplicable);
      await unit.finish(manager);
      return [...alreadyApplied.map(parsedEvent), ...outcomes.map((stored) => (stored.outcome === 'applied' ? stored.event : null))];
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
  const validated = validateEvent(message.data);
  return validated.ok ? storableValue(validated.event) : null;
}
