import { Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '@app/config';
import { HeartbeatReader, QueuedCommands } from '@app/messaging';
import { settle } from '../domain/grants';
import { decideExpiries, decideRenew, dueLeases } from '../domain/lease.decider';
import { planReconcile, shortId, type SlotAction } from '../domain/reconcile.plan';
import { decideSlotDown, decideSlotReady, decideSlotRemoved } from '../domain/slot.decider';
import { PoolDriver, type SlotDescription } from '../drivers/pool-driver';
import { POOL_MANAGER_CONFIG, type PoolManagerConfig } from '../pool-manager.config';
import { BusWatch } from './bus-watch.service';
import { PoolLog, type PoolSnapshot } from './pool-log.service';

/**
 * Brings the containers and the log into agreement, in one pass: expired leases are
 * reclaimed, lost containers replaced (the lease on them revoked), expired slots reset,
 * missing slots created, and containers the log does not account for removed. Run at
 * boot, on every health tick and when a lease expires; passes never overlap. The first
 * pass reads the lease renewals queued while no pool-manager ran before it expires
 * anything: a stage that went on heartbeating meanwhile keeps its lease. A lease that is
 * due is expired only after its task's last heartbeat is read: one from its holder less
 * than a TTL old keeps it (the orchestrator, which renews on heartbeats, may be down), and
 * so does the first TTL after the pool-manager regained NATS (no renewal could be sent).
 */
@Injectable()
export class PoolReconciler {
  private readonly logger = new Logger('PoolManager');
  private renewalsRead = false;

  constructor(
    private readonly pool: PoolLog,
    private readonly driver: PoolDriver,
    private readonly queued: QueuedCommands,
    private readonly heartbeats: HeartbeatReader,
    private readonly bus: BusWatch,
    private readonly clock: Clock,
    @Inject(POOL_MANAGER_CONFIG) private readonly config: PoolManagerConfig,
  ) {}

  async pass(): Promise<PoolSnapshot> {
    const { poolId, size, portStart } = this.config;
    if (!this.renewalsRead) {
      await this.applyQueuedRenewals();
      this.renewalsRead = true;
    }
    const policy = { poolId, maxTtlS: this.config.leaseTtlS };
    const due = dueLeases((await this.pool.load()).state, this.clock.now());
    const lastHeartbeats = due.length > 0 ? await this.heartbeats.lastOf(due.map((lease) => lease.taskId)) : new Map();
    const liveness = { lastHeartbeats, busBackAt: this.bus.backAtBy(this.clock.now()) };
    const expired = await this.pool.decide('expiry', (state) => decideExpiries(policy, state, this.clock.now(), liveness));
    for (const event of expired.appended) {
      if (event.type === 'LeaseExpired') this.logger.warn(`Lease of task ${event.data.taskId} on slot ${event.data.slot} expired: resetting the slot`);
      if (event.type === 'LeaseRenewed') {
        const why = event.data.heartbeatAt ? `its holder heartbeated at ${event.data.heartbeatAt}` : `NATS came back at ${event.data.busBackAt}`;
        this.logger.log(`Lease ${event.data.leaseId} kept until ${event.data.expiresAt}: ${why}`);
      }
    }
    const { state } = await this.pool.load();
    const observed = await this.driver.observe();
    const plan = planReconcile(state, observed, { size, portStart });

    for (const slot of plan.retire) {
      await this.pool.decide('retire', (current) => decideSlotRemoved(poolId, slot, `slot ${slot} is beyond CONTAINER_POOL_SIZE=${size}`, current));
      this.logger.log(`Slot ${slot} left the pool (CONTAINER_POOL_SIZE=${size})`);
    }
    for (const action of plan.actions) {
      if (action.kind !== 'replace') continue;
      const { appended } = await this.pool.decide('down', (current) => decideSlotDown(poolId, action.slot, action.reason, current));
      const revoked = appended.find((event) => event.type === 'LeaseRevoked');
      this.logger.warn(`Replacing ${action.reason}${revoked ? `; lease of task ${revoked.data.taskId} revoked` : ''}`);
    }
    for (const containerId of plan.remove) {
      await this.driver.remove(containerId);
      this.logger.log(`Removed container ${shortId(containerId)}: the log does not account for it`);
    }
    const started = await Promise.allSettled(plan.actions.map((action) => this.bringUp(action)));
    for (const [index, outcome] of started.entries()) {
      const action = plan.actions[index]!;
      if (outcome.status === 'rejected') {
        const reason = `slot ${action.slot}: could not start its container (${(outcome.reason as Error).message})`;
        this.logger.error(reason);
        await this.pool.decide('down', (current) => decideSlotDown(poolId, action.slot, reason, current));
        continue;
      }
      await this.pool.decide('ready', (current) => decideSlotReady(poolId, { ...outcome.value, driver: this.driver.kind }, current, this.clock.now()));
    }
    // a grant cut short (a crash between a release and its grant) is made up for here
    return this.pool.decide('settle', (current) => settle(poolId, current, [], this.clock.now()));
  }

  /** Renewals waiting in the work queue (the consumer takes them later; deciding one twice changes nothing). */
  private async applyQueuedRenewals(): Promise<void> {
    const policy = { poolId: this.config.poolId, maxTtlS: this.config.leaseTtlS };
    const renewals = (await this.queued.read('RenewLease')).filter((command) => command.data.poolId === policy.poolId);
    let renewed = 0;
    for (const command of renewals) {
      const { appended } = await this.pool.decide(command, (state) => decideRenew(command, policy, state, this.clock.now()));
      renewed += appended.length;
    }
    if (renewals.length > 0) this.logger.log(`Read ${renewals.length} lease renewals queued while the pool-manager was down: ${renewed} leases renewed`);
  }

  private bringUp(action: SlotAction): Promise<SlotDescription> {
    const port = this.config.portStart + action.slot;
    switch (action.kind) {
      case 'create':
      case 'replace':
        return this.driver.create(action.slot, port);
      case 'reset':
        return this.driver.reset(action.slot, port, action.containerId);
      default: {
        const _exhaustive: never = action;
        return _exhaustive;
      }
    }
  }
}
