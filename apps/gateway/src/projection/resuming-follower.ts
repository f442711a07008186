import type { Logger } from '@nestjs/common';
import { ResumingRead } from '@app/messaging';
import type { StreamCursor, StreamMessage, StreamName } from './stream-cursor';
/** milliseconds a started batch waits for the rest of a backlog */
const BATCH_WAIT_MS = 20;
/** messages closer than this (ms) mean a busy stream: they are gathered for BUSY_WINDOW_MS */
const BUSY_GAP_MS = 5;
const BUSY_WINDOW_MS = 5;

/**
 * Follows a stream for the life of the app: from the sequence `nextSeq()` gives, each
 * message handed to `handle` in order; after a failure (NATS away, Postgres refusing) it
 * resumes a second later from wherever `nextSeq()` then says (`ResumingRead`'s loop).
 */
export class ResumingFollower {
  private read: ResumingRead<StreamMessage> | null = null;
  /** a batch handled off the read loop (on its timer) failed: the loop resumes as after any failure */
  private batchFailure: Error | null = null;

  constructor(
    private readonly cursor: StreamCursor,
    private readonly stream: StreamName,
    private readonly logger: Logger,
  ) {}

  /** Why the last attempt failed, or null while messages flow. */
  get failure(): string | null {
    return this.read?.failure ?? null;
  }

  start(nextSeq: () => number, handle: (message: StreamMessage) => Promise<void> | void): void {
    this.run(nextSeq, handle);
  }

  /**
   * Like `start`, but hands over messages together, up to `maxBatch` at a time: the rest of
   * a backlog, and — while messages come in quick succession (less than BUSY_GAP_MS apart) —
   * those arriving within BUSY_WINDOW_MS. A message after a quiet spell goes at once. A batch
   * waiting for a message that does not come goes after BATCH_WAIT_MS anyway.
   */
  startBatched(nextSeq: () => number, handle: (messages: StreamMessage[]) => Promise<void>, maxBatch: number): void {
    let batch: StreamMessage[] = [];
    let timer: NodeJS.Timeout | null = null;
    let handled: Promise<void> = Promise.resolve();
    let lastArrival = Number.NEGATIVE_INFINITY;
    const flush = (): Promise<void> => {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      const taken = batch;
      batch = [];
      if (taken.length > 0) handled = handled.then(() => handle(taken));
      return handled;
    };
    this.run(
      () => {
        batch = []; // what was not handled is read again from nextSeq()
        handled = Promise.resolve();
        return nextSeq();
      },
      async (message) => {
        await handled;
        const now = performance.now();
        const busy = now - lastArrival < BUSY_GAP_MS;
        lastArrival = now;
        batch.push(message);
        if (batch.length < maxBatch && (message.more === true || busy)) {
          timer ??= setTimeout(() => {
            flush().catch((error: unknown) => {
              this.batchFailure = error instanceof Error ? error : new Error(String(error));
              this.read?.interrupt(); // the loop resumes from nextSeq(), a second later
            });
          }, message.more === true ? BATCH_WAIT_MS : BUSY_WINDOW_MS);
          return;
        }
        await flush();
      },
    );
  }

  async stop(): Promise<void> {
    await this.read?.stop();
  }

  private run(nextSeq: () => number, handle: (message: StreamMessage) => Promise<void> | void): void {
    this.read = new ResumingRead<StreamMessage>({
      open: () => this.cursor.follow(this.stream, nextSeq()),
      handle,
      settle: () => {
        const failed = this.batchFailure;
        this.batchFailure = null;
        if (failed !== null) throw failed;
      },
      failed: (error) => this.logger.error(`Reading ${this.stream} stopped before #${nextSeq()}: ${error.message}; resuming in 1 s`),
    });
    this.read.start();
  }
}
