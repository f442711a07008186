import { Inject, Injectable } from '@nestjs/common';
import type { EventType, OrchEvent } from '@app/contracts';
import { EventFeed } from '../projection/event-feed';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';

/** One of the events of `T`, discriminated on `type`. */
export type EventOf<T extends EventType> = Extract<OrchEvent, { type: T }>;

/**
 * Waits, briefly, for the orchestrator's answer to a user's command to be projected: the
 * first event of the given types caused by the command. The wait starts before the command
 * is sent, so a fast answer is never missed.
 */
@Injectable()
export class DecisionWaiter {
  constructor(
    private readonly feed: EventFeed,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Call before sending the command; await the result after. Resolves null when nothing came in time. */
  expect<T extends EventType>(commandId: string, types: readonly T[]): Promise<EventOf<T> | null> {
    const wanted: ReadonlySet<EventType> = new Set(types);
    return this.feed
      .next(({ event }) => event.causationId === commandId && wanted.has(event.type), this.config.decisionWaitMs)
      .then((projected) => (projected === null ? null : (projected.event as EventOf<T>)));
  }
}
