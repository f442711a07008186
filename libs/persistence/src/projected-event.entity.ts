import { Column, Entity, PrimaryColumn } from 'typeorm';
import { numberFromString } from './column.transformers';

/** An event envelope the read model has applied: a second copy of it in the log is skipped. */
@Entity({ name: 'projected_events' })
export class ProjectedEventEntity {
  /** the envelope's id (its Nats-Msg-Id) */
  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  /** stream sequence of the copy that was applied */
  @Column({ name: 'stream_sequence', type: 'bigint', transformer: numberFromString })
  streamSequence!: number;
}
