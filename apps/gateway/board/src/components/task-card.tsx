import { formatCost, formatElapsed } from '../format/format';
import { taskHref } from '../live/use-route';
import { currentStageOf, elapsedMs, stageStatusLabel } from '../state/board.selectors';
import type { StageRecord, TaskCard } from '../state/board.state';
import { STAGE_TITLES } from '../state/stage.order';
import { StartButton } from './task-actions';

interface Props {
  task: TaskCard;
  stages: StageRecord[];
  now: number;
}

/** A task on the board: where it stands, how long it has run, its retries, reworks and cost. */
export function TaskCardView({ task, stages, now }: Props) {
  const elapsed = elapsedMs(task, now);
  return (
    <article className={`card card-${task.status}`} data-testid="task-card" data-task-id={task.id} data-status={task.status}>
      <a className="card-title" href={taskHref(task.id)}>
        {task.title}
      </a>
      <div className="card-stage" data-testid="card-stage">
        {stageLabel(task, currentStageOf(task, stages))}
      </div>
      <div className="card-facts">
        <span title="priority: 0 (lowest) to 9" data-testid="card-priority">
          P{task.priority}
        </span>
        {task.blockedBy.length > 0 && (
          <span title={`blocked by ${task.blockedBy.join(', ')}`} data-testid="card-blocked-by">
            blocked by {task.blockedBy.length}
          </span>
        )}
        <span title="elapsed since the orchestration began">{elapsed === null ? '–' : formatElapsed(elapsed)}</span>
        <span>{plural(task.retryCount, 'retry', 'retries')}</span>
        <span title="QA sent the implementation back">{plural(task.reworkCount, 'rework', 'reworks')}</span>
        <span title={task.budgetUsd === null ? 'cost so far' : 'cost so far / budget'} data-testid="card-cost">
          {task.budgetUsd === null ? formatCost(task.costUsd) : `${formatCost(task.costUsd)} / ${formatCost(task.budgetUsd)}`}
        </span>
      </div>
      {task.pullRequestUrl !== null && (
        <a className="card-pr" href={task.pullRequestUrl} target="_blank" rel="noreferrer" data-testid="card-pull-request">
          {task.pullRequestState === 'open' || task.pullRequestState === null ? 'pull request' : `pull request · ${task.pullRequestState}`}
        </a>
      )}
      {task.status === 'created' && <StartButton task={task} compact />}
    </article>
  );
}

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

function stageLabel(task: TaskCard, stage: StageRecord | null): string {
  switch (task.status) {
    case 'created':
      return task.reason === null ? 'not started' : `start refused: ${task.reason}`;
    case 'queued':
      return task.queuePosition === null ? 'queued' : `queued · #${task.queuePosition}`;
    case 'running': {
      if (task.currentStage === null) return 'starting';
      const attempt = stage !== null && stage.attempt > 1 ? ` · attempt ${stage.attempt}` : '';
      const status = stage === null ? '' : ` · ${stageStatusLabel(stage)}`;
      return `${STAGE_TITLES[task.currentStage]}${status}${attempt}`;
    }
    case 'waiting':
      return 'waiting for approval';
    case 'done':
      return 'done';
    case 'failed':
    case 'cancelled':
      return `${task.status}${task.currentStage ? ` in ${STAGE_TITLES[task.currentStage]}` : ''}${task.reason ? `: ${task.reason}` : ''}`;
    default: {
      const unknownStatus: never = task.status;
      return unknownStatus;
    }
  }
}
