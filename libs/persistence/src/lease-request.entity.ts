import { Column, Entity, PrimaryColumn } from 'typeorm';
import { numberFromString } from './column.transformers';

/** A stage run waiting for a free slot of a pool, first come first served. */
@Entity({ name: 'lease_requests' })
export class LeaseRequestEntity {
  @PrimaryColumn({ name: 'pool_id', type: 'varchar', length: 100, primaryKeyConstraintName: 'lease_requests_pkey' })
  poolId!: string;

  @PrimaryColumn({ name: 'stage_id', type: 'uuid', primaryKeyConstraintName: 'lease_requests_pkey' })
  stageId!: string;

  @PrimaryColumn({ type: 'integer', primaryKeyConstraintName: 'lease_requests_pkey' })
  attempt!: number;

  @Column({ name: 'task_id', type: 'uuid' })
  taskId!: string;

  /** stream sequence of the LeaseQueued event: the order of the waiting line */
  @Column({ name: 'queued_seq', type: 'bigint', transformer: numberFromString })
  queuedSeq!: number;

  @Column({ name: 'queued_at', type: 'timestamptz' })
  queuedAt!: Date;
}
