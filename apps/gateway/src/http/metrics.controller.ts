import { Controller, Get, Header, Res } from '@nestjs/common';
import type { Response } from 'express';
import type { MetricsSnapshot } from '@app/contracts';
import { MetricsService } from '../metrics/metrics.service';
import { PrometheusMetrics } from '../metrics/prometheus.metrics';

@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly prometheus: PrometheusMetrics,
  ) {}

  /** The seed's key metrics as JSON. */
  @Get('api/metrics')
  snapshot(): Promise<MetricsSnapshot> {
    return this.metrics.snapshot();
  }

  /** Prometheus exposition format. */
  @Get('metrics')
  @Header('cache-control', 'no-store')
  async prometheusText(@Res({ passthrough: true }) response: Response): Promise<string> {
    response.type(this.prometheus.contentType);
    return this.prometheus.text();
  }
}
