import { Column, Entity, PrimaryColumn } from 'typeorm';
import { numberFromString } from './column.transformers';

/** A message a consumer gave up on, kept with the reason so it can be inspected and replayed. */
@Entity({ name: 'dead_letters' })
export class DeadLetterEntity {
  /** BIGSERIAL; a PrimaryColumn because PrimaryGeneratedColumn takes no transformer */
  @PrimaryColumn({ type: 'bigint', generated: 'increment', transformer: numberFromString })
  id!: number;

  /** the message's stream sequence; one dead letter per message */
  @Column({ name: 'stream_sequence', type: 'bigint', unique: true, transformer: numberFromString })
  streamSequence!: number;

  /** the durable consumer that gave up */
  @Column({ type: 'varchar', length: 200 })
  consumer!: string;

  @Column({ type: 'text' })
  subject!: string;

  @Column({ type: 'text' })
  reason!: string;

  /** the message body as received */
  @Column({ type: 'text' })
  payload!: string;

  @Column({ name: 'dead_at', type: 'timestamptz' })
  deadAt!: Date;
}
