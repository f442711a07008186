import type { TaskUpdate } from '../contracts';
import { DEFAULT_PRIORITY, ENDED_STATUSES, type TaskCard } from './board.state';

type Tasks = Record<string, TaskCard>;

/**
 * Applies a task-update. Every field it carries is a value to set, so applying one again
 * changes nothing; one older than what the card shows (its REST snapshot) is skipped. A
 * rejection's reason shows only on a task that never started, as the read model keeps it.
 */
export function applyTaskUpdate(tasks: Tasks, update: TaskUpdate): Tasks {
  const existing = tasks[update.taskId];
  if (update.status === 'deleted') return existing ? leaveQueue(without(tasks, update.taskId), existing) : tasks;
  if (!existing) return update.title === undefined ? tasks : { ...tasks, [update.taskId]: created(update) };
  if (update.seq < existing.lastSeq) return tasks;
  const card: TaskCard = { ...existing, lastSeq: update.seq };
  if (update.title !== undefined) card.title = update.title;
  if (update.description !== undefined) card.description = update.description;
  if (update.reason !== undefined && (update.cause !== 'OrchestrationRejected' || existing.status === 'created')) card.reason = update.reason;
  if (update.reworkCount !== undefined) card.reworkCount = update.reworkCount;
  if (update.budgetUsd !== undefined) card.budgetUsd = update.budgetUsd;
  if (update.priority !== undefined) card.priority = update.priority;
  if (update.blockedBy !== undefined) card.blockedBy = update.blockedBy;
  if (update.pullRequestUrl !== undefined) card.pullRequestUrl = update.pullRequestUrl;
  if (update.pullRequestState !== undefined) card.pullRequestState = update.pullRequestState;
  if (update.currentStage !== undefined) card.currentStage = update.currentStage;
  if (update.status !== undefined) {
    card.status = update.status;
    card.queuePosition = update.status === 'queued' ? (update.queuePosition ?? existing.queuePosition) : null;
    if (update.status === 'running') {
      card.startedAt ??= update.at;
      card.endedAt = null;
      if (update.reason === undefined) card.reason = null;
    }
    if (ENDED_STATUSES.has(update.status)) card.endedAt = update.at;
  }
  const next = { ...tasks, [card.id]: card };
  return existing.status === 'queued' && card.status !== 'queued' ? leaveQueue(next, existing) : next;
}

function created(update: TaskUpdate): TaskCard {
  return {
    id: update.taskId,
    title: update.title ?? '',
    description: update.description ?? '',
    repoPath: update.repoPath ?? null,
    baseBranch: update.baseBranch ?? null,
    projectId: update.projectId ?? null,
    priority: update.priority ?? DEFAULT_PRIORITY,
    blockedBy: update.blockedBy ?? [],
    pullRequestUrl: update.pullRequestUrl ?? null,
    pullRequestState: update.pullRequestState ?? null,
    status: update.status === undefined || update.status === 'deleted' ? 'created' : update.status,
    currentStage: update.currentStage ?? null,
    queuePosition: update.queuePosition ?? null,
    reason: update.reason ?? null,
    reworkCount: update.reworkCount ?? 0,
    retryCount: 0,
    costUsd: 0,
    budgetUsd: update.budgetUsd ?? null,
    createdAt: update.at,
    startedAt: null,
    endedAt: null,
    lastSeq: update.seq,
  };
}

/** The queue closes up behind a task that leaves it, as the gateway renumbers it. */
function leaveQueue(tasks: Tasks, leaving: TaskCard): Tasks {
  const position = leaving.queuePosition;
  if (leaving.status !== 'queued' || position === null) return tasks;
  const next = { ...tasks };
  for (const task of Object.values(tasks)) {
    if (task.status === 'queued' && task.queuePosition !== null && task.queuePosition > position) next[task.id] = { ...task, queuePosition: task.queuePosition - 1 };
  }
  return next;
}

function without(tasks: Tasks, taskId: string): Tasks {
  const next = { ...tasks };
  delete next[taskId];
  return next;
}
