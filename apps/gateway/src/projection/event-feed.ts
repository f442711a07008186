import { Injectable } from '@nestjs/common';
import type { OrchEvent } from '@app/contracts';
import { SequencedFeed } from './sequenced-feed';

/** An ORCH_EVENTS event once the projection has applied it. */
export interface ProjectedEvent {
  seq: number;
  event: OrchEvent;
}

/**
 * The projection's ordered event stream, handed on after each event is in Postgres: the
 * Socket.IO fan-out, the metrics push and the API's waits read from it.
 */
@Injectable()
export class EventFeed extends SequencedFeed<ProjectedEvent> {}
