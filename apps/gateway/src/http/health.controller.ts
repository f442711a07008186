import { Controller, Get, HttpException } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NatsClient } from '@app/messaging';
import { ProjectionService } from '../projection/projection.service';

/** For a load balancer: 200 when NATS and Postgres answer, 503 naming what does not. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly nats: NatsClient,
    private readonly projection: ProjectionService,
  ) {}

  @Get()
  async health() {
    const [postgres, nats] = await Promise.all([
      this.dataSource.query('SELECT 1').then(() => 'up', () => 'down'),
      this.nats.jsm.streams.info(this.nats.subjects.eventsStream).then((info) => ({ state: 'up', lastSeq: info.state.last_seq }), () => ({ state: 'down', lastSeq: 0 })),
    ]);
    const body = {
      status: postgres === 'up' && nats.state === 'up' ? 'ok' : 'degraded',
      nats: nats.state,
      postgres,
      projection: { lastApplied: this.projection.lastApplied, lag: Math.max(0, nats.lastSeq - this.projection.lastApplied) },
    };
    if (body.status !== 'ok') throw new HttpException({ statusCode: 503, ...body }, 503);
    return body;
  }
}
