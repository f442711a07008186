import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { EXECUTOR_NAMES, STAGE_TYPES } from '@app/contracts';
import { Clock } from '@app/config';
import { ProjectionService } from '../projection/projection.service';
import { MetricsReader, type MetricsReading, type StageCounts } from './metrics.reader';

/** seconds: from a quick fake run to the longest stage timeout */
const STAGE_DURATION_BUCKETS_S = [0.5, 1, 5, 15, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200];
/** milliseconds a reading is shared by the metrics of one scrape */
const READING_REUSE_MS = 500;

/**
 * Prometheus `/metrics`, computed from the read model at each scrape: the counters are the
 * log's history (stage runs kept in `stage_runs`), so every gateway answers the same
 * numbers and a restart or a rebuild never loses or double-counts a run.
 */
@Injectable()
export class PrometheusMetrics {
  readonly registry = new Registry();
  private cached: { at: number; reading: Promise<MetricsReading> } | null = null;

  constructor(
    private readonly reader: MetricsReader,
    private readonly projection: ProjectionService,
    private readonly clock: Clock,
  ) {
    const read = () => this.reading();
    const registers = [this.registry];
    // the process's own: memory (heap, RSS), CPU, event loop lag, handles
    collectDefaultMetrics({ register: this.registry });
    const perStage = (name: string, help: string, count: keyof StageCounts) =>
      new Counter({
        name,
        help,
        labelNames: ['stage'],
        registers,
        async collect() {
          const { stages } = await read();
          this.reset();
          for (const stage of STAGE_TYPES) this.inc({ stage }, stages[stage][count]);
        },
      });
    const perExecutor = (name: string, help: string, value: 'runs' | 'costUsd') =>
      new Counter({
        name,
        help,
        labelNames: ['executor'],
        registers,
        async collect() {
          const { executors } = await read();
          this.reset();
          for (const executor of EXECUTOR_NAMES) this.inc({ executor }, executors[executor][value]);
        },
      });
    perExecutor('orch_executor_runs_total', 'Stage runs that ended (completed, failed, timed out), by the agent CLI that ran them.', 'runs');
    perExecutor('orch_executor_cost_usd_total', 'US dollars the agent CLIs reported for their runs, by executor (Codex reports none: 0).', 'costUsd');
    new Gauge({
      name: 'orch_active_orchestrations',
      help: 'Orchestrations running now (admitted, not ended).',
      registers,
      async collect() {
        this.set((await read()).activeOrchestrations);
      },
    });
    new Gauge({
      name: 'orch_queue_depth',
      help: 'Tasks waiting in the admission queue.',
      registers,
      async collect() {
        this.set((await read()).queueDepth);
      },
    });
    new Gauge({
      name: 'orch_credentials_paused',
      help: "Credentials on which dispatch is paused now: a stage parked on the model API's rate or usage limit waits for it to lift.",
      registers,
      async collect() {
        this.set((await read()).pausedCredentials.length);
      },
    });
    perStage('orch_stage_completions_total', 'Stage runs that completed, by stage.', 'completed');
    perStage('orch_stage_failures_total', 'Stage runs that failed or timed out, by stage.', 'failed');
    perStage('orch_stages_parked_total', "Stage runs the model API's rate or usage limits parked (run again when the limit lifted, using no retry), by stage.", 'parked');
    new Counter({
      name: 'orch_stage_parked_wait_seconds_total',
      help: "Seconds parked stages waited for the model API's rate or usage limits to lift, by stage.",
      labelNames: ['stage'],
      registers,
      async collect() {
        const { stages } = await read();
        this.reset();
        for (const stage of STAGE_TYPES) this.inc({ stage }, stages[stage].parkedWaitMs / 1000);
      },
    });
    const durations = () => this.reader.durations();
    new Histogram({
      name: 'orch_stage_duration_seconds',
      help: 'Stage run duration from start to end (completed, failed or timed out), by stage.',
      labelNames: ['stage'],
      buckets: STAGE_DURATION_BUCKETS_S,
      registers,
      async collect() {
        const runs = await durations();
        this.reset();
        for (const stage of STAGE_TYPES) this.zero({ stage });
        for (const run of runs) this.observe({ stage: run.stageType }, run.durationMs / 1000);
      },
    });
    new Gauge({
      name: 'orch_container_utilization_ratio',
      help: 'Leased pool slots divided by all pool slots.',
      registers,
      async collect() {
        const { containers } = await read();
        this.set(containers.total === 0 ? 0 : containers.leased / containers.total);
      },
    });
    new Gauge({
      name: 'orch_containers',
      help: 'Pool slots, by state.',
      labelNames: ['state'],
      registers,
      async collect() {
        const { containers } = await read();
        this.set({ state: 'leased' }, containers.leased);
        this.set({ state: 'free' }, containers.total - containers.leased);
      },
    });
    new Gauge({
      name: 'orch_dead_letters',
      help: 'Messages given up on, by the consumer that gave up.',
      labelNames: ['consumer'],
      registers,
      async collect() {
        const { deadLetters } = await read();
        this.reset();
        for (const [consumer, count] of Object.entries(deadLetters)) this.set({ consumer }, count);
      },
    });
    const lastApplied = () => this.projection.lastApplied;
    new Gauge({
      name: 'orch_projection_lag_events',
      help: 'Events in ORCH_EVENTS the read model has not applied yet (-1 while NATS does not answer).',
      registers,
      async collect() {
        const { streamLastSeq } = await read();
        this.set(streamLastSeq === null ? -1 : Math.max(0, streamLastSeq - lastApplied()));
      },
    });
    const stalledForS = () => this.projection.stalledForS();
    new Gauge({
      name: 'orch_projection_stall_seconds',
      help: 'Seconds the events handed to the read model have waited without being applied (0 while none waits).',
      registers,
      collect() {
        this.set(stalledForS());
      },
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The exposition text. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private reading(): Promise<MetricsReading> {
    const now = this.clock.now().getTime();
    if (this.cached === null || now - this.cached.at > READING_REUSE_MS) {
      this.cached = { at: now, reading: this.reader.read() };
      this.cached.reading.catch(() => (this.cached = null));
    }
    return this.cached.reading;
  }
}
