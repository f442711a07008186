import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Subject } from 'rxjs';
import { Clock } from '@app/config';
import { NatsClient } from '@app/messaging';

/**
 * When the pool-manager regained NATS after its connection dropped. During a NATS outage no
 * holder could renew its lease or heartbeat, so a lease that fell due meanwhile gets one TTL
 * from that moment before it is expired (see `decideExpiries`). Each reconnect is announced on
 * `reconnected` (the pool is reconciled then: an expiry alarm that rang meanwhile found no NATS).
 */
@Injectable()
export class BusWatch implements OnModuleInit, OnModuleDestroy {
  readonly reconnected = new Subject<string>();
  private readonly logger = new Logger('PoolManager');
  private lostAt: string | null = null;
  private backAt: string | null = null;
  private stopped = false;

  constructor(
    private readonly nats: NatsClient,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    // the status iterator ends when the connection closes
    void this.watch().catch((error: unknown) => this.logger.error(`Watching the NATS connection failed: ${(error as Error).message}`));
  }

  onModuleDestroy(): void {
    this.stopped = true;
  }

  /**
   * When the pool-manager could act again after the connection last dropped, or null when
   * it never dropped since the start: the first time a pass that has just read from NATS
   * asks after the drop. Not the `reconnect` status: a pass's request made during the
   * outage still waits out its timeout after the reconnect, and the holders' TTL of grace
   * must start when the pool-manager can decide again.
   */
  backAtBy(now: Date): string | null {
    if (this.lostAt !== null && (this.backAt === null || this.backAt < this.lostAt)) this.backAt = now.toISOString();
    return this.backAt;
  }

  private async watch(): Promise<void> {
    for await (const status of this.nats.connection.status()) {
      if (this.stopped) return;
      if (status.type === 'disconnect') this.lostAt = this.clock.nowIso();
      if (status.type === 'reconnect') {
        this.logger.log('NATS connection back: reconciling the pool; leases due now are kept one TTL for their holders to be heard from');
        this.reconnected.next(this.clock.nowIso());
      }
    }
  }
}
