import { useApiAction } from '../live/use-api-action';
import type { StageRecord, TaskCard } from '../state/board.state';

/** Start: only a task that was never started. */
export function StartButton({ task, compact = false }: { task: TaskCard; compact?: boolean }) {
  const action = useApiAction((api) => api.start(task.id));
  return <ActionButton label="Start" busyLabel="Starting…" enabled={task.status === 'created'} compact={compact} action={action} />;
}

/** Cancel: a task that waits in the queue or runs. */
export function CancelButton({ task }: { task: TaskCard }) {
  const action = useApiAction((api) => api.cancel(task.id));
  return <ActionButton label="Cancel" busyLabel="Cancelling…" enabled={task.status === 'queued' || task.status === 'running'} action={action} />;
}

/** Retry: a failed stage, once its task has failed or was cancelled. */
export function RetryButton({ task, stage }: { task: TaskCard; stage: StageRecord }) {
  const action = useApiAction((api) => api.retryStage(stage.id));
  const enabled = stage.status === 'failed' && (task.status === 'failed' || task.status === 'cancelled');
  return <ActionButton label="Retry" busyLabel="Retrying…" enabled={enabled} compact action={action} />;
}

interface ButtonProps {
  label: string;
  busyLabel: string;
  enabled: boolean;
  compact?: boolean;
  action: ReturnType<typeof useApiAction>;
}

function ActionButton({ label, busyLabel, enabled, compact = false, action }: ButtonProps) {
  return (
    <span className={`action${compact ? ' action-compact' : ''}`}>
      <button type="button" disabled={!enabled || action.busy} onClick={action.run}>
        {action.busy ? busyLabel : label}
      </button>
      {action.error !== null && (
        <span className="field-error" role="alert">
          {action.error}
        </span>
      )}
    </span>
  );
}
