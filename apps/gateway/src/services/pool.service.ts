import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { LeaseRequestEntity, PoolSlotEntity } from '@app/persistence';

export interface PoolRows {
  slots: PoolSlotEntity[];
  /** in the order they will be granted, per pool */
  waiting: LeaseRequestEntity[];
}

/** The pool as projected from the pool events. */
@Injectable()
export class PoolService {
  constructor(private readonly dataSource: DataSource) {}

  read(): Promise<PoolRows> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => ({
      slots: await manager.getRepository(PoolSlotEntity).find({ order: { poolId: 'ASC', slot: 'ASC' } }),
      waiting: await manager.getRepository(LeaseRequestEntity).find({ order: { poolId: 'ASC', queuedSeq: 'ASC' } }),
    }));
  }
}
