import { formatClock, formatCost, formatCount, formatDuration } from '../format/format';
import { stageStatusLabel } from '../state/board.selectors';
import type { StageRecord, TaskCard } from '../state/board.state';
import { STAGE_TITLES } from '../state/stage.order';
import { RetryButton } from './task-actions';

interface Props {
  task: TaskCard;
  stages: StageRecord[];
  now: number;
}

/** Every stage the task went through, with its run's facts; a failed one can be retried. */
export function StageTimeline({ task, stages, now }: Props) {
  if (stages.length === 0) return <p className="muted">{task.status === 'created' ? 'Not started yet.' : 'No stage has been scheduled yet.'}</p>;
  return (
    <table className="timeline" data-testid="timeline">
      <thead>
        <tr>
          <th>Stage</th>
          <th>Status</th>
          <th>Started</th>
          <th>Duration</th>
          <th>Retries</th>
          <th>Container</th>
          <th>Agent</th>
          <th>Cost</th>
          <th>Tokens (in / out / cache)</th>
          <th />
        </tr>
      </thead>
      <tbody>
        {stages.map((stage) => (
          <tr key={stage.id} className={`stage-row stage-${stage.status}`} data-testid="stage-row" data-stage={stage.stageType} data-status={stage.status}>
            <td>
              {STAGE_TITLES[stage.stageType]}
              {stage.round > 0 ? <span className="muted"> · rework {stage.round}</span> : null}
            </td>
            <td>
              <span className={`badge badge-${stage.status}`}>{stageStatusLabel(stage)}</span>
              {stage.error !== null && <div className="stage-error">{stage.error}</div>}
            </td>
            <td>{stage.startedAt === null ? '–' : formatClock(stage.startedAt)}</td>
            <td>{duration(stage, now)}</td>
            <td>{stage.attempt - 1}</td>
            <td>{stage.container === null ? '–' : `slot ${stage.container.slot} · :${stage.container.port} · ${stage.container.containerId}`}</td>
            <td data-testid="stage-executor">{stage.executor === null ? '–' : `${stage.executor.name}${stage.executor.model === null ? '' : ` · ${stage.executor.model}`}`}</td>
            <td>{stage.costUsd === null ? '–' : formatCost(stage.costUsd)}</td>
            <td>
              {stage.tokens === null
                ? '–'
                : `${formatCount(stage.tokens.input)} / ${formatCount(stage.tokens.output)} / ${formatCount(stage.tokens.cacheRead + stage.tokens.cacheCreation)}`}
            </td>
            <td>{stage.status === 'failed' && <RetryButton task={task} stage={stage} />}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function duration(stage: StageRecord, now: number): string {
  if (stage.startedAt === null) return '–';
  const end = stage.completedAt === null ? (stage.status === 'running' ? now : null) : Date.parse(stage.completedAt);
  return end === null ? '–' : formatDuration(Math.max(0, end - Date.parse(stage.startedAt)));
}
