import { Logger } from '@nestjs/common';
import { causedMessage, type AgentLogEntry, type MessageData, type MessageOf } from '@app/contracts';
import type { MessagePublisher } from '@app/messaging';

type Line = MessageData<'RunOutputLogged'>['lines'][number];

const MAX_BATCH_LINES = 200;
/** bytes of one batch (text, the parsed JSON which is about as long, and the entries' strings); NATS takes 1 MiB a message */
const MAX_BATCH_BYTES = 256 * 1024;
/** characters of one line shipped; a longer line is cut (and its JSON not kept) */
const MAX_SHIPPED_LINE_CHARS = 64 * 1024;
/** bytes waiting (batched or being published) above which the agent's output is paused… */
const HIGH_WATER_BYTES = 2 * 1024 * 1024;
/** …and below which it is read again */
const LOW_WATER_BYTES = 512 * 1024;

/**
 * Ships a run's output to ORCH_LOGS in batches (by time, count and size), in order, one
 * publish at a time. What waits is bounded: above HIGH_WATER_BYTES `onPressure(true)` asks
 * for the agent's output to be paused (the agent then blocks on its full pipe), and below
 * LOW_WATER_BYTES `onPressure(false)` lets it go on. So a run's output never piles up in the
 * runner's memory, however fast the agent writes.
 */
export class LogShipper {
  private readonly logger = new Logger('Runner');
  private pending: Line[] = [];
  private pendingBytes = 0;
  /** bytes batched but not yet published, plus `pendingBytes` */
  private queuedBytes = 0;
  private paused = false;
  private index = 0;
  private batch = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(
    private readonly publisher: MessagePublisher,
    private readonly command: MessageOf<'RunStage'>,
    private readonly producer: string,
    private readonly batchMs: number,
    private readonly now: () => string,
    private readonly onPressure: (paused: boolean) => void,
  ) {}

  add(stream: 'stdout' | 'stderr', text: string, json: Record<string, unknown> | null, entries: AgentLogEntry[]): void {
    const cut = text.length > MAX_SHIPPED_LINE_CHARS;
    const shipped = cut ? `${text.slice(0, MAX_SHIPPED_LINE_CHARS)} … [${text.length - MAX_SHIPPED_LINE_CHARS} more characters not shipped]` : text;
    const kept = cut ? null : json;
    const typed = cut ? [] : entries;
    // a text entry repeats the line's text: counted, so the batch and high-water bounds hold what is really kept
    const bytes = Buffer.byteLength(shipped) * (kept === null ? 1 : 2) + entryBytes(typed);
    this.pending.push({ index: this.index, stream, at: this.now(), json: kept, text: shipped, entries: typed });
    this.index += 1;
    this.pendingBytes += bytes;
    this.queuedBytes += bytes;
    if (!this.paused && this.queuedBytes > HIGH_WATER_BYTES) {
      this.paused = true;
      this.onPressure(true);
    }
    if (this.pending.length >= MAX_BATCH_LINES || this.pendingBytes >= MAX_BATCH_BYTES) {
      this.ship();
    } else if (this.timer === null) {
      this.timer = setTimeout(() => this.ship(), this.batchMs);
    }
  }

  /** Ships what is batched and waits until everything is published. */
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
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    const { taskId, stageId, attempt } = this.command.data;
    const message = causedMessage(this.command, 'RunOutputLogged', taskId, { taskId, stageId, attempt, lines }, { producer: this.producer, occurredAt: this.now() }, `batch-${this.batch}`);
    this.batch += 1;
    this.sending = this.sending
      .then(() => this.publisher.log(message))
      .catch((error: unknown) => {
        this.failures += 1;
        if (this.failures === 1) this.logger.warn(`Agent output of task ${taskId} could not be shipped to ORCH_LOGS: ${(error as Error).message}`);
      })
      .finally(() => this.published(bytes));
  }

  private published(bytes: number): void {
    this.queuedBytes -= bytes;
    if (this.paused && this.queuedBytes < LOW_WATER_BYTES) {
      this.paused = false;
      this.onPressure(false);
    }
  }
}

/** The bytes of an output line's entries' strings (their texts, tool inputs and outputs). */
function entryBytes(entries: AgentLogEntry[]): number {
  let bytes = 0;
  for (const entry of entries) for (const value of Object.values(entry)) if (typeof value === 'string') bytes += Buffer.byteLength(value);
  return bytes;
}
