import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { validateMessage, type LogBatch } from '@app/contracts';
import { ResumingFollower } from '../projection/resuming-follower';
import { StreamCursor, type StreamMessage } from '../projection/stream-cursor';
import { LogFeed, toLogBatch } from './log-feed';

/** Follows ORCH_LOGS from the moment the gateway starts and hands each batch to the LogFeed. */
@Injectable()
export class LogTailService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly follower: ResumingFollower;

  constructor(
    private readonly cursor: StreamCursor,
    private readonly feed: LogFeed,
  ) {
    this.follower = new ResumingFollower(cursor, 'logs', new Logger('LogTail'));
  }

  async onApplicationBootstrap(): Promise<void> {
    this.feed.startAt((await this.cursor.bounds('logs')).lastSeq);
    this.follower.start(() => this.feed.lastSeq + 1, (message) => this.hand(message));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.follower.stop();
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
