import { Controller, Get } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { DependencyUnavailable } from '../errors/gateway.errors';
import { HealthService } from '../services/health.service';
import type { HealthReport } from './schemas/health.schemas';

/** For a load balancer: 200 while NATS and Postgres answer and the projection keeps up; else 503 with the reasons (a stalled projection among them). */
@Controller('health')
@Public()
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  async check(): Promise<HealthReport> {
    const report = await this.health.check();
    if (report.status !== 'ok') throw new DependencyUnavailable(report.reasons.join('; '), { ...report });
    return report;
  }
}
