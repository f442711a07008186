import type { MetricsSnapshot } from '../contracts';
import { formatDuration, formatParked, formatRatio } from '../format/format';
import type { ConnectionStatus } from '../state/board.state';
import { STAGE_ORDER, STAGE_TITLES } from '../state/stage.order';

interface Props {
  metrics: MetricsSnapshot | null;
  connection: ConnectionStatus;
}

const CONNECTION_LABELS: Record<ConnectionStatus, string> = {
  connecting: 'connecting…',
  live: 'live',
  reconnecting: 'reconnecting…',
  unauthorized: 'token needed',
};

/** The seed's five key metrics, pushed by the gateway as they change, and the socket's state. */
export function MetricsHeader({ metrics, connection }: Props) {
  return (
    <header className="topbar">
      <a className="brand" href="#/">
        Orchestrator board
      </a>
      <dl className="metrics" data-testid="metrics">
        <Metric label="Active orchestrations" value={metrics ? String(metrics.activeOrchestrations) : '–'} />
        <Metric label="Stage completion rate" value={metrics ? formatRatio(metrics.stageCompletionRate) : '–'} />
        <Metric label="Average stage duration" value={metrics ? averageDuration(metrics) : '–'} title={metrics ? perStage(metrics) : undefined} />
        <Metric
          label="Container utilization"
          value={metrics ? `${formatRatio(metrics.containers.utilization)} (${metrics.containers.leased}/${metrics.containers.total})` : '–'}
        />
        <Metric label="Queue depth" value={metrics ? String(metrics.queueDepth) : '–'} />
        {metrics && metrics.pausedCredentials.length > 0 ? (
          <Metric label="Dispatch paused" value={metrics.pausedCredentials.map(({ credential, until }) => `${credential}: ${formatParked('rate-limit', until)}`).join(', ')} />
        ) : null}
      </dl>
      <span className={`connection connection-${connection}`} data-testid="connection" role="status">
        {CONNECTION_LABELS[connection]}
      </span>
    </header>
  );
}

function Metric({ label, value, title }: { label: string; value: string; title?: string | undefined }) {
  return (
    <div className="metric" title={title}>
      <dt>{label}</dt>
      <dd>{value}</dd>
    </div>
  );
}

/** The mean over every finished run of every stage. */
function averageDuration(metrics: MetricsSnapshot): string {
  let runs = 0;
  let total = 0;
  for (const stage of STAGE_ORDER) {
    const { averageDurationMs, completed, failed, cancelled } = metrics.stages[stage];
    if (averageDurationMs === null) continue;
    const count = completed + failed + cancelled;
    runs += count;
    total += averageDurationMs * count;
  }
  return runs === 0 ? '–' : formatDuration(total / runs);
}

function perStage(metrics: MetricsSnapshot): string {
  return STAGE_ORDER.map((stage) => {
    const average = metrics.stages[stage].averageDurationMs;
    return `${STAGE_TITLES[stage]}: ${average === null ? '–' : formatDuration(average)}`;
  }).join('\n');
}
