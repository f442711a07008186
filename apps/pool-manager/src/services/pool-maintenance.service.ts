import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Subscription } from 'rxjs';
import { Clock } from '@app/config';
import { nextExpiry } from '../domain/lease.decider';
import type { PoolState } from '../domain/pool.state';
import { PoolDriver } from '../drivers/pool-driver';
import { POOL_MANAGER_CONFIG, type PoolManagerConfig } from '../pool-manager.config';
import { BusWatch } from './bus-watch.service';
import { ExpiryAlarm } from './expiry.alarm';
import { PoolLog, type PoolSnapshot } from './pool-log.service';
import { PoolReconciler } from './pool-reconciler.service';
import { PoolStatusPublisher } from './pool-status.publisher';

/**
 * When the pool is reconciled: at boot (before any lease command is consumed), every
 * `POOL_HEALTH_INTERVAL_S`, when the next lease expires, and when NATS is back. Requests made while a pass
 * runs are folded into one more pass after it.
 */
@Injectable()
export class PoolMaintenance implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('PoolManager');
  private readonly alarm = new ExpiryAlarm(() => this.request());
  private interval: NodeJS.Timeout | null = null;
  private subscription: Subscription | null = null;
  private reconnects: Subscription | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly reconciler: PoolReconciler,
    private readonly pool: PoolLog,
    private readonly status: PoolStatusPublisher,
    private readonly driver: PoolDriver,
    private readonly bus: BusWatch,
    private readonly clock: Clock,
    @Inject(POOL_MANAGER_CONFIG) private readonly config: PoolManagerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { poolId, size, portStart } = this.config;
    this.logger.log(`Pool ${poolId}: reconciling ${size} slots on the ${this.driver.kind} driver, ports ${portStart}..${portStart + size - 1}`);
    this.subscription = this.pool.changes.subscribe(({ state }) => this.rearm(state));
    this.reconnects = this.bus.reconnected.subscribe(() => this.request());
    const { state, lastSeq } = (await this.runPass()) ?? (await this.pool.load());
    await this.status.report({ state, lastSeq });
    const ready = Object.values(state.slots).filter((slot) => slot.status === 'ready').length;
    this.logger.log(`Pool ${poolId}: ${ready}/${size} slots ready, ${Object.keys(state.leases).length} leased, ${state.waiting.length} waiting`);
    this.interval = setInterval(() => this.request(), this.config.healthIntervalMs);
    this.interval.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    if (this.interval) clearInterval(this.interval);
    this.alarm.disarm();
    this.subscription?.unsubscribe();
    this.reconnects?.unsubscribe();
    await this.running;
  }

  /** Asks for a pass; one already running is followed by exactly one more. */
  request(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.runPass().then(() => undefined).finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        this.request();
      }
    });
  }

  /** One pass; the expiry alarm is re-armed from the state it leaves (a pass that changed nothing re-arms it too). */
  private async runPass(): Promise<PoolSnapshot | null> {
    try {
      const snapshot = await this.reconciler.pass();
      this.rearm(snapshot.state);
      return snapshot;
    } catch (error) {
      this.logger.error(`Pool ${this.config.poolId}: reconciliation failed: ${(error as Error).message}`);
      return null;
    }
  }

  private rearm(state: PoolState): void {
    if (!this.stopped) this.alarm.arm(nextExpiry(state), this.clock.now());
  }
}
