import { Inject, Injectable, Logger } from '@nestjs/common';
import type { MessageOf } from '@app/contracts';
import { Clock } from '@app/config';
import { decideAcquire, decideRelease, decideRenew, type LeasePolicy } from '../domain/lease.decider';
import { POOL_MANAGER_CONFIG, type PoolManagerConfig } from '../pool-manager.config';
import { PoolLog } from './pool-log.service';

/** Grants, renews and frees leases on the pool's slots, deciding on the pool's subject. */
@Injectable()
export class LeaseService {
  private readonly logger = new Logger('PoolManager');
  private readonly policy: LeasePolicy;

  constructor(
    private readonly pool: PoolLog,
    private readonly clock: Clock,
    @Inject(POOL_MANAGER_CONFIG) config: PoolManagerConfig,
  ) {
    this.policy = { poolId: config.poolId, maxTtlS: config.leaseTtlS };
  }

  async acquire(command: MessageOf<'AcquireLease'>): Promise<void> {
    const { appended } = await this.pool.decide(command, (state) => decideAcquire(command, this.policy, state, this.clock.now()));
    for (const event of appended) {
      if (event.type === 'LeaseQueued') {
        this.logger.warn(`Container allocation failed, queuing task ${event.data.taskId} (position ${event.data.position})`);
      }
      if (event.type === 'LeaseGranted') {
        this.logger.log(`Leased slot ${event.data.slot} (port ${event.data.port}) to task ${event.data.taskId} until ${event.data.expiresAt}`);
      }
    }
  }

  async release(command: MessageOf<'ReleaseLease'>): Promise<void> {
    await this.pool.decide(command, (state) => decideRelease(command, this.policy.poolId, state, this.clock.now()));
  }

  async renew(command: MessageOf<'RenewLease'>): Promise<void> {
    await this.pool.decide(command, (state) => decideRenew(command, this.policy, state, this.clock.now()));
  }
}
