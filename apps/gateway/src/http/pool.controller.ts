import { Controller, Get } from '@nestjs/common';
import { PoolService } from '../services/pool.service';
import { toPoolView, type PoolView } from './schemas/pool.schemas';

@Controller('api/pool')
export class PoolController {
  constructor(private readonly pool: PoolService) {}

  @Get()
  async read(): Promise<PoolView> {
    return toPoolView(await this.pool.read());
  }
}
