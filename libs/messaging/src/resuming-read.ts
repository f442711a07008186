import type { StreamFollow } from './stream-reader';

/** milliseconds between a failed read and the next attempt */
const RESUME_DELAY_MS = 1_000;

export interface ResumingReadOptions<T> {
  /** opens the read anew, from wherever it should now resume */
  open(): Promise<StreamFollow<T>>;
  /** takes one message; a throw ends the read, which resumes after the delay */
  handle(message: T): Promise<void> | void;
  /** once a read has ended without a throw, before the next is opened: waits for work in flight; a throw counts as the read's failure */
  settle?(): Promise<void> | void;
  /** told of each failure before the pause (to log or count it) */
  failed(error: Error): void;
}

/**
 * The one restart loop over a stream read, for the life of an app: opens a read, hands its
 * messages on one after the other, and when the read fails (NATS away, a consumer deleted, a
 * handler refusing) resumes a second later; a read that simply ends is opened again at once.
 */
export class ResumingRead<T> {
  private current: StreamFollow<T> | null = null;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private lastFailure: string | null = null;

  constructor(private readonly options: ResumingReadOptions<T>) {}

  /** Why the last attempt failed, or null while messages flow. */
  get failure(): string | null {
    return this.lastFailure;
  }

  start(): void {
    this.loop = this.run();
  }

  /** Ends the current read early: the loop goes on as after the read's end (its `settle` may make it a failure). */
  interrupt(): void {
    this.current?.stop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.current?.stop();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        this.current = await this.options.open();
        if (this.stopped) this.current.stop();
        for await (const message of this.current.messages) {
          await this.options.handle(message);
          this.lastFailure = null;
        }
        await this.options.settle?.();
      } catch (error) {
        if (this.stopped) return;
        const failure = error instanceof Error ? error : new Error(String(error));
        this.lastFailure = failure.message;
        this.options.failed(failure);
        await new Promise((resolve) => setTimeout(resolve, RESUME_DELAY_MS));
      }
    }
  }
}
