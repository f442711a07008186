import { causedMessage, type MessageData, type MessageOf } from '@app/contracts';
import type { MessagePublisher } from '@app/messaging';

type Line = MessageData<'RunOutputLogged'>['lines'][number];

const MAX_BATCH_LINES = 200;
const MAX_BATCH_BYTES = 256 * 1024;

/**
 * Ships a run's output to ORCH_LOGS in batches (by time, count and size), in order. Batches
 * are sent one at a time; lines arriving meanwhile wait in memory, bounded by the batch
 * size times the publish latency.
 */
export class LogShipper {
  private pending: Line[] = [];
  private pendingBytes = 0;
  private index = 0;
  private batch = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly publisher: MessagePublisher,
    private readonly command: MessageOf<'RunStage'>,
    private readonly producer: string,
    private readonly batchMs: number,
    private readonly now: () => string,
  ) {}

  add(stream: 'stdout' | 'stderr', text: string, json: Record<string, unknown> | null): void {
    this.pending.push({ index: this.index, stream, at: this.now(), json, text });
    this.index += 1;
    this.pendingBytes += text.length;
    if (this.pending.length >= MAX_BATCH_LINES || this.pendingBytes >= MAX_BATCH_BYTES) {
      this.ship();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => this.ship(), this.batchMs);
    }
  }

  async flush(): Promise<void> {
    this.ship();
    await this.sending;
  }

  private ship(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    if (this.pending.length === 0) return;
    const lines = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    const { taskId, stageId, attempt } = this.command.data;
    const message = causedMessage(this.command, 'RunOutputLogged', taskId, { taskId, stageId, attempt, lines }, { producer: this.producer, occurredAt: this.now() }, `batch-${this.batch}`);
    this.batch += 1;
    this.sending = this.sending.then(() => this.publisher.log(message)).catch(() => undefined);
  }
}
