import { Inject, Injectable } from '@nestjs/common';
import { NatsClient } from '@app/messaging';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import type { HealthReport } from '../http/schemas/health.schemas';
import { ProjectionService } from '../projection/projection.service';
import { ReadModel } from '../projection/read-model.repository';
import { StreamCursor } from '../projection/stream-cursor';

/** milliseconds a probe may take before its dependency counts as down */
const PROBE_TIMEOUT_MS = 1_500;

type Probe<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Probes NATS and Postgres, each bounded in time, and measures the projection's lag; a
 * projection whose waiting events have not been applied for GATEWAY_HEALTH_STALL_S is stalled.
 */
@Injectable()
export class HealthService {
  constructor(
    private readonly readModel: ReadModel,
    private readonly nats: NatsClient,
    private readonly cursor: StreamCursor,
    private readonly projection: ProjectionService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async check(): Promise<HealthReport> {
    const [postgres, nats] = await Promise.all([
      probe(() => this.readModel.ping()),
      this.nats.isConnected ? probe(() => this.cursor.bounds('events')) : Promise.resolve<Probe<never>>({ ok: false, reason: 'not connected' }),
    ]);
    const lastApplied = this.projection.lastApplied;
    const lag = nats.ok ? Math.max(0, nats.value.lastSeq - lastApplied) : null;
    const stalledForS = Math.round(this.projection.stalledForS());
    const stalled = stalledForS >= this.config.healthStallS ? this.stallReason(stalledForS, lastApplied, lag) : null;
    const reasons = [
      ...(postgres.ok ? [] : [`postgres: ${postgres.reason}`]),
      ...(nats.ok ? [] : [`nats: ${nats.reason}`]),
      ...(lag !== null && this.config.healthMaxLag > 0 && lag > this.config.healthMaxLag ? [`projection: ${lag} events behind (limit ${this.config.healthMaxLag})`] : []),
      ...(stalled === null ? [] : [`projection: ${stalled}`]),
    ];
    return {
      status: reasons.length === 0 ? 'ok' : 'degraded',
      nats: nats.ok ? 'up' : 'down',
      postgres: postgres.ok ? 'up' : 'down',
      projection: { lastApplied, lag, stalled, stalledForS },
      reasons,
    };
  }

  /** `stalled for 31 s after #12 with 3 events waiting: <the last error>` */
  private stallReason(stalledForS: number, lastApplied: number, lag: number | null): string {
    const failure = this.projection.lastFailure;
    const waiting = lag === null ? '' : ` with ${lag} events waiting`;
    return `stalled for ${stalledForS} s after #${lastApplied}${waiting}${failure === null ? '' : `: ${failure}`}`;
  }
}

async function probe<T>(run: () => Promise<T>): Promise<Probe<T>> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Probe<T>>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${PROBE_TIMEOUT_MS} ms` }), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([run().then((value): Probe<T> => ({ ok: true, value }), (error: unknown): Probe<T> => ({ ok: false, reason: (error as Error).message })), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
