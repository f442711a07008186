import { ORCHESTRATION_END_EVENT_TYPES, SCHEDULER_EVENT_TYPES, TERMINAL_STAGE_EVENTS, type OrchEvent } from '@app/contracts';

/**
 * The events the orchestrator follows, by the consumer (and so the subjects) they come
 * from: the one list its event handler's patterns, its consumers' filters and the
 * service's switch (exhaustive over `FollowedEvent`) are made from.
 */
export const FOLLOWED_EVENTS = {
  tasks: [...ORCHESTRATION_END_EVENT_TYPES, 'StageScheduled', 'StageStarted', ...TERMINAL_STAGE_EVENTS, 'StageRetryScheduled', 'TaskWaiting', 'TaskWaitEnded', 'FollowUpRequested', 'TaskPullRequestClosed'],
  scheduler: SCHEDULER_EVENT_TYPES,
  leases: ['LeaseGranted', 'LeaseRevoked', 'LeaseExpired'],
  heartbeats: ['RunHeartbeat'],
} as const;
export type FollowedConsumer = keyof typeof FOLLOWED_EVENTS;
export type FollowedEventType = (typeof FOLLOWED_EVENTS)[FollowedConsumer][number];
export type FollowedEvent = Extract<OrchEvent, { type: FollowedEventType }>;

export const FOLLOWED_EVENT_TYPES: readonly FollowedEventType[] = Object.values(FOLLOWED_EVENTS).flat();
const FOLLOWED_SET: ReadonlySet<string> = new Set(FOLLOWED_EVENT_TYPES);

export function isFollowed(event: OrchEvent): event is FollowedEvent {
  return FOLLOWED_SET.has(event.type);
}
