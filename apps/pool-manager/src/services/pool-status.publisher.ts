import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { deterministicId, newMessage } from '@app/contracts';
import { Clock } from '@app/config';
import { MessagePublisher } from '@app/messaging';
import { poolStatusOf } from '../domain/pool.status';
import { PoolDriver } from '../drivers/pool-driver';
import { POOL_MANAGER_CONFIG, type PoolManagerConfig } from '../pool-manager.config';
import { PoolLog, type PoolSnapshot } from './pool-log.service';

/**
 * Publishes `PoolStatusReported` after every change of the pool, in order. Its id derives
 * from the pool sequence it reflects, so instances reporting the same state write it once.
 */
@Injectable()
export class PoolStatusPublisher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('PoolManager');
  private subscription: Subscription | null = null;
  private queue: Promise<void> = Promise.resolve();
  private lastReported = -1;

  constructor(
    private readonly pool: PoolLog,
    private readonly publisher: MessagePublisher,
    private readonly driver: PoolDriver,
    private readonly clock: Clock,
    @Inject(POOL_MANAGER_CONFIG) private readonly config: PoolManagerConfig,
  ) {}

  onModuleInit(): void {
    this.subscription = this.pool.changes.subscribe((snapshot) => void this.report(snapshot));
  }

  async onModuleDestroy(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.queue;
  }

  /** Reports `snapshot` unless a later one was reported already. */
  report(snapshot: PoolSnapshot): Promise<void> {
    this.queue = this.queue.then(async () => {
      if (snapshot.lastSeq <= this.lastReported) return;
      const { poolId } = this.config;
      const data = poolStatusOf(poolId, this.driver.kind, snapshot.state, snapshot.lastSeq, this.clock.now());
      const event = newMessage('PoolStatusReported', poolId, data, {
        id: deterministicId(poolId, 'status', this.driver.kind, snapshot.lastSeq),
        producer: this.config.messaging.producer,
        occurredAt: data.reportedAt,
      });
      try {
        await this.publisher.append(event);
        this.lastReported = snapshot.lastSeq;
      } catch (error) {
        this.logger.warn(`Could not report pool ${poolId} status at #${snapshot.lastSeq}: ${(error as Error).message}`);
      }
    });
    return this.queue;
  }
}
