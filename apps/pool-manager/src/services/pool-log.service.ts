import { Inject, Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import { deterministicId, isPoolEvent, sealDraft, type Envelope, type OrchCommand, type OrchEvent } from '@app/contracts';
import { Clock } from '@app/config';
import { AggregateStore, NatsClient, type Fold } from '@app/messaging';
import type { PoolDecision } from '../domain/pool.decision';
import { evolvePool, initialPoolState, type PoolState } from '../domain/pool.state';
import { POOL_MANAGER_CONFIG, type PoolManagerConfig } from '../pool-manager.config';

export interface PoolSnapshot {
  state: PoolState;
  /** the pool subject's last stream sequence the state includes */
  lastSeq: number;
}

/**
 * The pool's subject, `<root>.evt.pool.<poolId>`: reads the pool's state and appends what
 * was decided on it against the sequence read (re-deciding on a conflict). Every change
 * is announced on `changes`.
 */
@Injectable()
export class PoolLog {
  readonly changes = new Subject<PoolSnapshot>();
  private readonly fold: Fold<PoolState> = { initial: initialPoolState, accepts: (event): event is OrchEvent => isPoolEvent(event), evolve: evolvePool };

  constructor(
    private readonly store: AggregateStore,
    private readonly nats: NatsClient,
    private readonly clock: Clock,
    @Inject(POOL_MANAGER_CONFIG) private readonly config: PoolManagerConfig,
  ) {}

  load(): Promise<PoolSnapshot> {
    return this.store.load(this.nats.subjects.pool(this.config.poolId), this.fold);
  }

  /**
   * Decides on the pool's current state and appends the decisions. `cause` is the command
   * being handled, or the name of what else triggered the decision (`expiry`, `reconcile`):
   * then the ids derive from the pool's sequence, so two instances deciding the same thing
   * on the same state write it once.
   */
  async decide(cause: OrchCommand | string, decide: (state: PoolState) => PoolDecision[]): Promise<PoolSnapshot & { appended: OrchEvent[] }> {
    const { poolId } = this.config;
    const result = await this.store.decide(this.nats.subjects.pool(poolId), this.fold, (state, lastSeq) => {
      const trigger = typeof cause === 'string' ? syntheticCause(poolId, cause, lastSeq) : cause;
      return decide(state).map((decision, index) => this.envelopeOf(decision, trigger, index));
    });
    if (result.appended.length > 0) this.changes.next({ state: result.state, lastSeq: result.lastSeq });
    return result;
  }

  private envelopeOf(decision: PoolDecision, trigger: Pick<Envelope, 'id' | 'correlationId'>, index: number): OrchEvent {
    const origin = { producer: this.config.messaging.producer, occurredAt: this.clock.nowIso() };
    // a decision that answers a lease request derives its id from that request alone, so
    // whichever message triggers the grant, the same grant gets the same id
    const answered = decision.causationId ? { id: decision.causationId, correlationId: decision.correlationId ?? decision.causationId } : null;
    const cause = answered ?? trigger;
    const discriminator = answered ? '' : String(index);
    return sealDraft(cause, this.config.poolId, { ...decision, key: discriminator }, origin);
  }
}

function syntheticCause(poolId: string, trigger: string, lastSeq: number): Pick<Envelope, 'id' | 'correlationId'> {
  const id = deterministicId(poolId, trigger, lastSeq);
  return { id, correlationId: id };
}
