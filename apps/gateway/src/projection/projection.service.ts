import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import { validateMessage, type OrchEvent } from '@app/contracts';
import { NatsClient } from '@app/messaging';
import { project } from './projector';

export const PROJECTION_NAME = 'gateway-read-model';

/**
 * Keeps the read tables in step with ORCH_EVENTS: an ordered consumer from the stored
 * checkpoint, each event applied in one transaction with the checkpoint, so a redelivered
 * event changes nothing and several gateways may project side by side.
 */
@Injectable()
export class ProjectionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projection');
  private messages: ConsumerMessages | null = null;
  private stopped = false;
  private loop: Promise<void> = Promise.resolve();
  private applied = 0;
  private readonly waiters = new Set<{ seq: number; resolve: () => void }>();

  constructor(
    private readonly dataSource: DataSource,
    private readonly nats: NatsClient,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.applied = await this.checkpoint();
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.messages?.stop();
    await this.loop;
  }

  /** The last stream sequence applied. */
  get lastApplied(): number {
    return this.applied;
  }

  /** Resolves once the event at `seq` is applied, or after `timeoutMs`. */
  waitFor(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.applied >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = { seq, resolve: () => resolve(true) };
      this.waiters.add(waiter);
      setTimeout(() => {
        if (this.waiters.delete(waiter)) resolve(false);
      }, timeoutMs);
    });
  }

  private async checkpoint(): Promise<number> {
    const rows: Array<{ last_sequence: string }> = await this.dataSource.query(
      'SELECT last_sequence FROM projection_checkpoints WHERE name = $1',
      [PROJECTION_NAME],
    );
    return rows[0] ? Number(rows[0].last_sequence) : 0;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.nats.js.consumers.get(this.nats.subjects.eventsStream, {
          filter_subjects: this.nats.subjects.allEvents,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: this.applied + 1,
        });
        this.messages = await consumer.consume({ max_messages: 512 });
        if (this.stopped) this.messages.stop();
        for await (const message of this.messages) {
          await this.apply(message);
        }
      } catch (error) {
        if (this.stopped) return;
        this.logger.error(`Projection stopped at #${this.applied}: ${(error as Error).message}; resuming in 1 s`);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }

  private async apply(message: JsMsg): Promise<void> {
    const validated = validateMessage(message.data);
    await this.dataSource.transaction(async (manager) => {
      await manager.query(
        `INSERT INTO projection_checkpoints (name, last_sequence, updated_at) VALUES ($1, 0, NOW()) ON CONFLICT (name) DO NOTHING`,
        [PROJECTION_NAME],
      );
      const rows: Array<{ last_sequence: string }> = await manager.query(
        'SELECT last_sequence FROM projection_checkpoints WHERE name = $1 FOR UPDATE',
        [PROJECTION_NAME],
      );
      if (Number(rows[0]?.last_sequence ?? 0) >= message.seq) return;
      if (validated.ok && validated.message.kind === 'event') {
        await project(manager, message.seq, validated.message as OrchEvent);
      } else {
        const reason = validated.ok ? `${validated.message.type} is a command on an event subject` : validated.reason;
        this.logger.warn(`Invalid event at #${message.seq} on ${message.subject}: ${reason}`);
        await manager.query(
          `INSERT INTO dead_letters (stream_sequence, consumer, subject, reason, payload, dead_at) VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (stream_sequence) DO NOTHING`,
          [message.seq, PROJECTION_NAME, message.subject, reason, Buffer.from(message.data).toString('utf8'), message.time.toISOString()],
        );
      }
      await manager.query('UPDATE projection_checkpoints SET last_sequence = $2, updated_at = NOW() WHERE name = $1', [PROJECTION_NAME, message.seq]);
    });
    this.applied = message.seq;
    for (const waiter of this.waiters) {
      if (waiter.seq <= this.applied) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }
}
