import { Injectable } from '@nestjs/common';
import { STAGE_TYPES, type MetricsSnapshot, type StageType } from '@app/contracts';
import { ProjectionService } from '../projection/projection.service';
import { MetricsReader, type MetricsReading } from './metrics.reader';

/** The seed's key metrics as JSON (`GET /api/metrics`, the socket's `metrics`). */
@Injectable()
export class MetricsService {
  constructor(
    private readonly reader: MetricsReader,
    private readonly projection: ProjectionService,
  ) {}

  async snapshot(): Promise<MetricsSnapshot> {
    return toSnapshot(await this.reader.read(), this.projection.lastApplied);
  }
}

function toSnapshot(reading: MetricsReading, lastApplied: number): MetricsSnapshot {
  const stages = Object.fromEntries(
    STAGE_TYPES.map((stageType) => {
      const counts = reading.stages[stageType];
      const averageDurationMs = counts.durationCount === 0 ? null : Math.round(counts.durationSumMs / counts.durationCount);
      return [stageType, { completed: counts.completed, failed: counts.failed, cancelled: counts.cancelled, averageDurationMs }];
    }),
  ) as MetricsSnapshot['stages'];
  const completed = STAGE_TYPES.reduce((sum, stageType: StageType) => sum + reading.stages[stageType].completed, 0);
  const failed = STAGE_TYPES.reduce((sum, stageType: StageType) => sum + reading.stages[stageType].failed, 0);
  const { total, leased } = reading.containers;
  return {
    seq: reading.seq,
    activeOrchestrations: reading.activeOrchestrations,
    queueDepth: reading.queueDepth,
    stages,
    stageCompletionRate: completed + failed === 0 ? null : completed / (completed + failed),
    containers: { total, leased, utilization: total === 0 ? 0 : leased / total },
    deadLetters: Object.values(reading.deadLetters).reduce((sum, count) => sum + count, 0),
    projection: { lastApplied, lag: reading.streamLastSeq === null ? null : Math.max(0, reading.streamLastSeq - lastApplied) },
    pausedCredentials: reading.pausedCredentials,
  };
}
