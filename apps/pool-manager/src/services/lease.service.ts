import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { causedMessage, deterministicId, newMessage, type MessageOf, type OrchEvent } from '@app/contracts';
import { Clock } from '@app/config';
import { AggregateStore, NatsClient, type Fold } from '@app/messaging';
import { decideAcquire, decideRelease, decideRenew, decideSlotsReady } from '../domain/lease.decider';
import { evolvePool, initialPoolState, type PoolState } from '../domain/pool.state';
import { PoolDriver } from '../drivers/pool-driver';
import { POOL_MANAGER_CONFIG, type PoolManagerConfig } from '../pool-manager.config';

type Decided = Array<{ type: OrchEvent['type']; data: OrchEvent['data'] }>;

/** Grants, renews and frees leases on the pool's slots, deciding on the pool's subject. */
@Injectable()
export class LeaseService implements OnApplicationBootstrap {
  private readonly logger = new Logger('PoolManager');
  private readonly fold: Fold<PoolState> = { initial: initialPoolState, evolve: evolvePool };

  constructor(
    private readonly store: AggregateStore,
    private readonly nats: NatsClient,
    private readonly driver: PoolDriver,
    private readonly clock: Clock,
    @Inject(POOL_MANAGER_CONFIG) private readonly config: PoolManagerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const slots = await this.driver.ensureSlots();
    this.logger.log(`Pool ${this.config.poolId}: ${slots.length} slots on the ${this.driver.kind} driver, ports ${slots.map((slot) => slot.port).join(', ')}`);
    await this.store.decide(this.subject, this.fold, (state) =>
      decideSlotsReady(this.config.poolId, this.driver.kind, slots, state).map((event) =>
        newMessage(event.type, this.config.poolId, event.data as never, {
          id: deterministicId(this.config.poolId, 'slot-ready', JSON.stringify(event.data)),
          producer: this.config.messaging.producer,
          occurredAt: this.clock.nowIso(),
        }) as OrchEvent,
      ),
    );
  }

  async acquire(command: MessageOf<'AcquireLease'>): Promise<void> {
    const { appended } = await this.decide(command, (state) => decideAcquire(command, this.config.poolId, state, this.clock.now()));
    for (const event of appended) {
      if (event.type === 'LeaseQueued') {
        this.logger.warn(`Container allocation failed, queuing task ${event.data.taskId} (position ${event.data.position})`);
      }
    }
  }

  async release(command: MessageOf<'ReleaseLease'>): Promise<void> {
    await this.decide(command, (state) => decideRelease(command, this.config.poolId, state, this.clock.now()));
  }

  async renew(command: MessageOf<'RenewLease'>): Promise<void> {
    await this.decide(command, (state) => decideRenew(command, this.config.poolId, state, this.config.leaseTtlS, this.clock.now()));
  }

  private get subject(): string {
    return this.nats.subjects.pool(this.config.poolId);
  }

  private decide(cause: MessageOf<'AcquireLease' | 'ReleaseLease' | 'RenewLease'>, decide: (state: PoolState) => Decided) {
    return this.store.decide(this.subject, this.fold, (state) =>
      decide(state).map(
        (event, index) =>
          causedMessage(cause, event.type, this.config.poolId, event.data as never, {
            producer: this.config.messaging.producer,
            occurredAt: this.clock.nowIso(),
          }, String(index)) as OrchEvent,
      ),
    );
  }
}
