import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import { numberFromString } from './column.transformers';

/** How far a projection has read its stream. */
@Entity({ name: 'projection_checkpoints' })
export class ProjectionCheckpointEntity {
  /** the projection's name */
  @PrimaryColumn({ type: 'varchar', length: 100 })
  name!: string;

  /** stream sequence of the last message the projection applied */
  @Column({ name: 'last_sequence', type: 'bigint', default: 0, transformer: numberFromString })
  lastSequence!: number;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
