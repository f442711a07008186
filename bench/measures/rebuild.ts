import { rebuildProjection } from '../../apps/gateway/src/projection/projection-rebuild.module';
import { asApp } from '@app/testing';
import type { BenchSystem } from '../bench-system';

export interface RebuildFigures {
  events: number;
  seconds: number;
  eventsPerSecond: number;
}

/** `npm run projection:rebuild`'s work: empty the read tables, replay ORCH_EVENTS from 1. */
export async function measureRebuild(system: BenchSystem): Promise<RebuildFigures> {
  const report = await rebuildProjection({ messaging: asApp(system.messaging, 'gateway', 'rebuild@bench'), databaseUrl: system.database.url });
  const seconds = report.durationMs / 1000;
  return { events: report.events, seconds, eventsPerSecond: report.events / seconds };
}
