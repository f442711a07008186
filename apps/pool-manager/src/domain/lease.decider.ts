import type { LastHeartbeat, MessageOf } from '@app/contracts';
import { grantDecision, settle } from './grants';
import type { PoolDecision } from './pool.decision';
import { freeSlots, type LeaseState, type PoolState, type WaitingRequest } from './pool.state';

/** What the pool decides leases by. */
export interface LeasePolicy {
  poolId: string;
  /** seconds: the longest a lease is granted or renewed for; a longer request is cut to this */
  maxTtlS: number;
}

/**
 * AcquireLease → a lease on the lowest free slot, or a place at the back of the queue.
 * First come, first served; a request already granted or queued is not served twice.
 */
export function decideAcquire(command: MessageOf<'AcquireLease'>, policy: LeasePolicy, state: PoolState, now: Date): PoolDecision[] {
  const { taskId, stageId, attempt } = command.data;
  const alreadyHeld = Object.values(state.leases).some((lease) => lease.stageId === stageId && lease.attempt === attempt);
  const alreadyWaiting = state.waiting.some((request) => request.stageId === stageId && request.attempt === attempt);
  if (alreadyHeld || alreadyWaiting) return [];
  const ttlS = Math.min(command.data.ttlS, policy.maxTtlS);
  const request: WaitingRequest = { requestId: command.id, correlationId: command.correlationId, taskId, stageId, attempt, ttlS };
  const slot = state.waiting.length === 0 ? freeSlots(state)[0] : undefined;
  if (slot) return [grantDecision(policy.poolId, slot, request, now)];
  const queued: PoolDecision = {
    type: 'LeaseQueued',
    data: { poolId: policy.poolId, taskId, stageId, attempt, ttlS, position: state.waiting.length + 1 },
    causationId: command.id,
    correlationId: command.correlationId,
  };
  return settle(policy.poolId, state, [queued], now);
}

/** ReleaseLease → the slot is free again, and goes to the first waiter. */
export function decideRelease(command: MessageOf<'ReleaseLease'>, poolId: string, state: PoolState, now: Date): PoolDecision[] {
  const lease = state.leases[command.data.leaseId];
  if (!lease) return [];
  const { leaseId, slot, taskId, stageId } = lease;
  return settle(poolId, state, [{ type: 'LeaseReleased', data: { leaseId, poolId, slot, taskId, stageId } }], now);
}

/**
 * RenewLease (the holder's heartbeat) → the lease lives another TTL from now. A lease
 * past its expiry is renewed only by a renewal sent before it expired (its envelope's
 * `occurredAt`): one that waited in the queue while the pool-manager was down counts, as
 * the holder was alive; one sent later loses to the expiry. A renewal within the first
 * quarter of the TTL since the last one changes nothing, so frequent heartbeats do not
 * flood the log.
 */
export function decideRenew(command: MessageOf<'RenewLease'>, policy: LeasePolicy, state: PoolState, now: Date): PoolDecision[] {
  const lease = state.leases[command.data.leaseId];
  if (!lease) return [];
  const remainingMs = Date.parse(lease.expiresAt) - now.getTime();
  const ttlMs = Math.min(lease.ttlS ?? policy.maxTtlS, policy.maxTtlS) * 1000;
  const sentInTime = Date.parse(command.occurredAt) < Date.parse(lease.expiresAt);
  if ((remainingMs <= 0 && !sentInTime) || remainingMs > ttlMs * 0.75) return [];
  const expiresAt = new Date(now.getTime() + ttlMs).toISOString();
  return [{ type: 'LeaseRenewed', data: { leaseId: lease.leaseId, poolId: policy.poolId, expiresAt } }];
}

/** What the pool-manager observed of its holders' liveness, beyond the renewals it got. */
export interface Liveness {
  /** each due lease's task's last heartbeat (`orch.hb.<taskId>`), by task id */
  lastHeartbeats?: ReadonlyMap<string, LastHeartbeat>;
  /** when the pool-manager last regained its NATS connection, if it lost it since it started */
  busBackAt?: string | null;
}

/**
 * Every lease whose expiry has passed is reclaimed; its slot is reset before it is leased
 * again — unless its holder may still be alive:
 * - a heartbeat of the lease's own attempt sent less than a TTL ago keeps the lease until
 *   a TTL after that heartbeat (`LeaseRenewed` naming `heartbeatAt`). Renewals come from the
 *   orchestrator on each heartbeat; this keeps a stage alive while the orchestrator is down
 *   and the runner goes on heartbeating;
 * - less than a TTL after the pool-manager regained NATS, the lease is kept until a TTL after
 *   that moment (`LeaseRenewed` naming `busBackAt`): during a NATS outage no renewal and no
 *   heartbeat could be sent, so the holders get one TTL to be heard from again.
 */
export function decideExpiries(policy: LeasePolicy, state: PoolState, now: Date, liveness: Liveness = {}): PoolDecision[] {
  return dueLeases(state, now).map((lease): PoolDecision => {
    const { leaseId, slot, taskId, stageId, attempt } = lease;
    const ttlMs = Math.min(lease.ttlS ?? policy.maxTtlS, policy.maxTtlS) * 1000;
    const heartbeat = liveness.lastHeartbeats?.get(taskId);
    if (heartbeat && heartbeat.stageId === stageId && heartbeat.attempt === attempt && Date.parse(heartbeat.sentAt) + ttlMs > now.getTime()) {
      const expiresAt = new Date(Date.parse(heartbeat.sentAt) + ttlMs).toISOString();
      return { type: 'LeaseRenewed', data: { leaseId, poolId: policy.poolId, expiresAt, heartbeatAt: heartbeat.sentAt } };
    }
    const { busBackAt } = liveness;
    if (busBackAt && Date.parse(busBackAt) + ttlMs > now.getTime()) {
      const expiresAt = new Date(Date.parse(busBackAt) + ttlMs).toISOString();
      return { type: 'LeaseRenewed', data: { leaseId, poolId: policy.poolId, expiresAt, busBackAt } };
    }
    return { type: 'LeaseExpired', data: { leaseId, poolId: policy.poolId, slot, taskId, stageId } };
  });
}

/** The leases whose expiry has passed, the earliest first. */
export function dueLeases(state: PoolState, now: Date): LeaseState[] {
  return Object.values(state.leases)
    .filter((lease) => Date.parse(lease.expiresAt) <= now.getTime())
    .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
}

/** When the next lease expires, if any lease is held. */
export function nextExpiry(state: PoolState): Date | null {
  const times = Object.values(state.leases).map((lease) => Date.parse(lease.expiresAt));
  return times.length === 0 ? null : new Date(Math.min(...times));
}
