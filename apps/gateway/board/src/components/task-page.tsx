import { useEffect, useState } from 'react';
import { ApiError } from '../api/api.error';
import { useApi } from '../api/api.context';
import { formatCost, formatElapsed } from '../format/format';
import { useNow } from '../live/use-now';
import { BOARD_HREF, taskHref } from '../live/use-route';
import type { LogState } from '../log/log.state';
import type { BoardAction } from '../state/board.actions';
import { elapsedMs, stagesOf } from '../state/board.selectors';
import type { BoardState } from '../state/board.state';
import { AgentLog } from './agent-log';
import { StageResults } from './stage-results';
import { StageTimeline } from './stage-timeline';
import { TaskReview } from './task-review';
import { WebhookDeliveries } from './webhook-deliveries';
import { CancelButton, StartButton } from './task-actions';

interface Props {
  taskId: string;
  state: BoardState;
  log: LogState;
  dispatch: (action: BoardAction) => void;
}

/** One task: its stages, what they produced, and the agent's live log. */
export function TaskPage({ taskId, state, log, dispatch }: Props) {
  const { api } = useApi();
  const now = useNow();
  const [missing, setMissing] = useState<string | null>(null);
  useEffect(() => {
    let current = true;
    setMissing(null);
    Promise.all([api.getTask(taskId), api.stages(taskId)]).then(
      ([task, stages]) => {
        if (current) dispatch({ type: 'task-details', task, stages });
      },
      (error: unknown) => {
        if (current && error instanceof ApiError && error.status === 404) setMissing(error.message);
      },
    );
    return () => {
      current = false;
    };
  }, [api, taskId, dispatch]);

  const task = state.tasks[taskId];
  if (!task) {
    return (
      <main className="task-page">
        <a href={BOARD_HREF}>← Board</a>
        <p className="muted">{missing ?? (state.phase === 'loading' ? 'Loading the task…' : 'Reading the task…')}</p>
      </main>
    );
  }
  const stages = stagesOf(state, taskId);
  const elapsed = elapsedMs(task, now);
  return (
    <main className="task-page" data-testid="task-page" data-status={task.status}>
      <a href={BOARD_HREF}>← Board</a>
      <header className="task-header">
        <div>
          <h1>{task.title}</h1>
          <p className="task-meta">
            <span className={`badge badge-task-${task.status}`} data-testid="task-status">
              {task.status}
            </span>
            <span title="elapsed since the orchestration began">{elapsed === null ? '–' : formatElapsed(elapsed)}</span>
            <span>retries {task.retryCount}</span>
            <span>reworks {task.reworkCount}</span>
            <span data-testid="task-cost">cost {formatCost(task.costUsd)}</span>
            <span data-testid="task-priority">priority {task.priority}</span>
            {task.repoPath !== null && (
              <span>
                {task.repoPath}
                {task.baseBranch === null ? '' : ` @ ${task.baseBranch}`}
              </span>
            )}
          </p>
          {task.pullRequestUrl !== null && (
            <p>
              <a href={task.pullRequestUrl} target="_blank" rel="noreferrer" data-testid="task-pull-request">
                Pull request: {task.pullRequestUrl}
              </a>
              {task.pullRequestState !== null && task.pullRequestState !== 'open' && <span data-testid="task-pull-request-state"> ({task.pullRequestState})</span>}
            </p>
          )}
          {task.blockedBy.length > 0 && (
            <p data-testid="task-blocked-by">
              Blocked by:{' '}
              {task.blockedBy.map((blockerId, index) => (
                <span key={blockerId}>
                  {index > 0 && ', '}
                  <a href={taskHref(blockerId)}>{blockerId}</a>
                </span>
              ))}
            </p>
          )}
          {task.reason !== null && <p className="field-error">{task.reason}</p>}
        </div>
        <div className="task-actions">
          <StartButton task={task} />
          <CancelButton task={task} />
        </div>
      </header>
      {task.description !== '' && <pre className="prose description">{task.description}</pre>}
      <section className="panel">
        <h2>Stages</h2>
        <StageTimeline task={task} stages={stages} now={now} />
      </section>
      <StageResults stages={stages} />
      <TaskReview task={task} stages={stages} />
      <WebhookDeliveries taskId={task.id} lastSeq={task.lastSeq} />
      <section className="panel">
        <h2>Agent log</h2>
        <div className="log-box">
          <AgentLog log={log} stages={stages} />
        </div>
      </section>
    </main>
  );
}
