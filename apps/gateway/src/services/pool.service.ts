import { Injectable } from '@nestjs/common';
import { ReadModel, type PoolRows } from '../projection/read-model.repository';

export type { PoolRows };

/** The pool as projected from the pool events. */
@Injectable()
export class PoolService {
  constructor(private readonly readModel: ReadModel) {}

  read(): Promise<PoolRows> {
    return this.readModel.pool();
  }
}
