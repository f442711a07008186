import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { validateMessage, type LogBatch } from '@app/contracts';
import { StreamCursor, type StreamFollow, type StreamMessage } from '../projection/stream-cursor';
import { LogFeed, toLogBatch } from './log-feed';

/** milliseconds between attempts to resume after the stream failed */
const RESUME_DELAY_MS = 1_000;

/** Follows ORCH_LOGS from the moment the gateway starts and hands each batch to the LogFeed. */
@Injectable()
export class LogTailService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('LogTail');
  private follow: StreamFollow | null = null;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();

  constructor(
    private readonly cursor: StreamCursor,
    private readonly feed: LogFeed,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.feed.startAt((await this.cursor.bounds('logs')).lastSeq);
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.follow?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.follow = await this.cursor.follow('logs', this.feed.lastSeq + 1);
        if (this.stopped) this.follow.stop();
        for await (const message of this.follow.messages) this.hand(message);
      } catch (error) {
        if (this.stopped) return;
        this.logger.error(`Log tail stopped at #${this.feed.lastSeq}: ${(error as Error).message}; resuming in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, RESUME_DELAY_MS));
      }
    }
  }

  private hand(message: StreamMessage): void {
    if (message.seq <= this.feed.lastSeq) return;
    const batch = parseLogBatch(message);
    if (batch) this.feed.publish(batch);
    else this.feed.advance(message.seq);
  }
}

/** A stored ORCH_LOGS message as a batch, or null for anything that is not RunOutputLogged. */
export function parseLogBatch(message: StreamMessage): LogBatch | null {
  const validated = validateMessage(message.data);
  return validated.ok && validated.message.type === 'RunOutputLogged' ? toLogBatch(message.seq, validated.message) : null;
}
