import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { validateMessage, type OrchEvent } from '@app/contracts';
import { EventFeed } from './event-feed';
import { applyStoredMessage, lockCheckpoint, PROJECTION_NAME, saveCheckpoint } from './projection.step';
import { StreamCursor, type StreamFollow, type StreamMessage } from './stream-cursor';

/** milliseconds between attempts to resume after the stream or the database failed */
const RESUME_DELAY_MS = 1_000;

/**
 * Keeps the read tables in step with ORCH_EVENTS: an ordered consumer from the stored
 * checkpoint, each event applied in one transaction with the checkpoint, so a redelivered
 * event changes nothing and several gateways may project side by side. Every event is then
 * handed to the EventFeed, in order, whether this gateway or another one applied it.
 */
@Injectable()
export class ProjectionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projection');
  private follow: StreamFollow | null = null;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private failure: string | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly cursor: StreamCursor,
    private readonly feed: EventFeed,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.feed.startAt(await this.checkpoint());
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.follow?.stop();
    await this.loop;
  }

  /** The last stream sequence applied. */
  get lastApplied(): number {
    return this.feed.lastSeq;
  }

  /** Why the projection is not advancing, or null while it runs. */
  get stalledBecause(): string | null {
    return this.failure;
  }

  /** Resolves true once the event at `seq` is applied, or false after `timeoutMs`. */
  waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    return this.feed.reached(seq, timeoutMs);
  }

  private async checkpoint(): Promise<number> {
    const rows: Array<{ last_sequence: string }> = await this.dataSource.query('SELECT last_sequence FROM projection_checkpoints WHERE name = $1', [
      PROJECTION_NAME,
    ]);
    return rows[0] ? Number(rows[0].last_sequence) : 0;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.follow = await this.cursor.follow('events', this.feed.lastSeq + 1);
        if (this.stopped) this.follow.stop();
        for await (const message of this.follow.messages) {
          await this.apply(message);
          this.failure = null;
        }
      } catch (error) {
        if (this.stopped) return;
        this.failure = (error as Error).message;
        this.logger.error(`Projection stopped at #${this.feed.lastSeq}: ${this.failure}; resuming in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, RESUME_DELAY_MS));
      }
    }
  }

  private async apply(message: StreamMessage): Promise<void> {
    if (message.seq <= this.feed.lastSeq) return;
    const event = await this.dataSource.transaction(async (manager): Promise<OrchEvent | null> => {
      if ((await lockCheckpoint(manager)) >= message.seq) return parsedEvent(message);
      const applied = await applyStoredMessage(manager, message);
      await saveCheckpoint(manager, message.seq);
      return applied;
    });
    if (event) this.feed.publish({ seq: message.seq, event });
    else this.feed.advance(message.seq);
  }
}

/** The event of a message another gateway (or a rebuild) already applied. */
function parsedEvent(message: StreamMessage): OrchEvent | null {
  const validated = validateMessage(message.data);
  return validated.ok && validated.message.kind === 'event' ? (validated.message as OrchEvent) : null;
}
