import type { MessageData, PoolEventType as PoolSubjectEventType } from '@app/contracts';

/** What the pool-manager decides on its subject: every pool event but LeaseRequestRejected. */
export type PoolEventType = Exclude<PoolSubjectEventType, 'LeaseRequestRejected'>;

/**
 * An event the pool decided, not yet appended. `causationId`/`correlationId` name the
 * lease request it answers when that is not the message being handled (a waiter's
 * AcquireLease, granted when a slot frees), so its id derives from that request.
 */
export type PoolDecision = {
  [T in PoolEventType]: { type: T; data: MessageData<T>; causationId?: string; correlationId?: string };
}[PoolEventType];
