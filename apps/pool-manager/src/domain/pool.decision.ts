import type { MessageData } from '@app/contracts';

export type PoolEventType =
  | 'PoolSlotReady'
  | 'PoolSlotDown'
  | 'PoolSlotRemoved'
  | 'LeaseQueued'
  | 'LeaseGranted'
  | 'LeaseRenewed'
  | 'LeaseReleased'
  | 'LeaseExpired'
  | 'LeaseRevoked';

/**
 * An event the pool decided, not yet appended. `causationId`/`correlationId` name the
 * lease request it answers when that is not the message being handled (a waiter's
 * AcquireLease, granted when a slot frees), so its id derives from that request.
 */
export type PoolDecision = {
  [T in PoolEventType]: { type: T; data: MessageData<T>; causationId?: string; correlationId?: string };
}[PoolEventType];
