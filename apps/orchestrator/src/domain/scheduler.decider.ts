import { DEFAULT_TASK_PRIORITY, draft, type MessageOf } from '@app/contracts';
import type { AdmissionRequest, QueueFacts, SchedulerDraft } from './decision';
import type { OrchestrationRules } from './orchestration.config';
import { dependentsOf, isKnown, pausedUntil, type QueueEntry, type SchedulerState } from './scheduler.state';
import { holdsNoSlot, type TaskState } from './task.state';

/**
 * The scheduler aggregate (the admission log). A task let through by the task decider is
 * admitted at once when a slot is free — globally (ORCHESTRATOR_MAX_CONCURRENT) and in its
 * project (its maxConcurrent) — it waits for no blocker and no admissible task waits;
 * else it is queued. The queue is ordered by effective priority (the task's priority plus
 * one per `priorityAgingS` queued, from the OrchestrationQueued's time), then by when it was
 * queued (FIFO within a priority). One it already knows (admitted or queued) is decided on once.
 */
export function decideAdmission(request: AdmissionRequest, scheduler: SchedulerState, rules: OrchestrationRules, now: Date): SchedulerDraft[] {
  const { taskId, orchestrationId, key } = request;
  if (isKnown(scheduler, taskId)) return [];
  const facts = request.queue ?? { priority: DEFAULT_TASK_PRIORITY, projectId: null, projectMaxConcurrent: null, waitingOn: [] };
  const { waitingOn, ...known } = facts;
  // (a request without queue facts, e.g. a retry's, records none)
  const recorded = request.queue ? known : {};
  const withLimit = recordLimit(scheduler, facts);
  const candidate: QueueEntry = { taskId, orchestrationId, projectId: facts.projectId, priority: facts.priority, queuedAt: now.getTime(), waitingOn };
  if (isAdmissible(candidate, withLimit, rules, now.getTime()) && nextAdmissible(withLimit, rules, now.getTime()) === null) {
    return [draft('OrchestrationAdmitted', { taskId, orchestrationId, ...recorded }, key)];
  }
  // (the newcomer goes behind every queued task it does not strictly outrank)
  const position = withLimit.queue.filter((entry) => !outranks(candidate, entry, rules, now.getTime())).length + 1;
  return [draft('OrchestrationQueued', { taskId, orchestrationId, position, ...recorded, ...(waitingOn.length > 0 ? { waitingOn } : {}) }, key)];
}

/** Fills free slots from the queue, best first, skipping a blocked task and one whose project is at its limit. */
export function decideAdmissions(scheduler: SchedulerState, rules: OrchestrationRules, now: Date): SchedulerDraft[] {
  const drafts: SchedulerDraft[] = [];
  let state = scheduler;
  for (let next = nextAdmissible(state, rules, now.getTime()); next !== null; next = nextAdmissible(state, rules, now.getTime())) {
    const { taskId, orchestrationId, projectId } = next;
    drafts.push(draft('OrchestrationAdmitted', { taskId, orchestrationId }, taskId));
    state = { ...state, running: [...state.running, { taskId, orchestrationId, projectId }], queue: state.queue.filter((entry) => entry !== next) };
  }
  return drafts;
}

/** The events after which a task holds no slot: its end, or a wait. */
export type SlotReleasingEvent = MessageOf<'OrchestrationCompleted'> | MessageOf<'OrchestrationFailed'> | MessageOf<'OrchestrationCancelled'> | MessageOf<'TaskWaiting'>;

const OUTCOMES = {
  OrchestrationCompleted: 'completed',
  OrchestrationFailed: 'failed',
  OrchestrationCancelled: 'cancelled',
  TaskWaiting: 'waiting',
} as const satisfies Record<SlotReleasingEvent['type'], MessageOf<'OrchestrationReleased'>['data']['outcome']>;

/**
 * A task that ended, or waits (for a person), gives its slot back; the next in the queue
 * may take it. A waiting task queues again, at the back, when its wait ends.
 */
export function decideRelease(event: SlotReleasingEvent, task: TaskState, scheduler: SchedulerState, rules: OrchestrationRules, now: Date): SchedulerDraft[] {
  const { taskId, orchestrationId } = event.data;
  if (!holdsNoSlot(task)) return [];
  const outcome = OUTCOMES[event.type];
  if (!isKnown(scheduler, taskId)) {
    // a task that ends while it waits held no slot, but its runner keeps its workspace until the end is recorded here
    return event.type === 'TaskWaiting' ? [] : [draft('OrchestrationReleased', { taskId, orchestrationId, outcome })];
  }
  const after: SchedulerState = {
    ...scheduler,
    running: scheduler.running.filter((entry) => entry.taskId !== taskId),
    queue: scheduler.queue.filter((entry) => entry.taskId !== taskId),
  };
  return [draft('OrchestrationReleased', { taskId, orchestrationId, outcome }), ...decideAdmissions(after, rules, now)];
}

/**
 * A blocker is done (its pull request merged, when it has one): each queued task waiting
 * for it waits for one fewer, and those waiting for nothing more may take free slots.
 */
export function decideBlockerDone(blockerId: string, scheduler: SchedulerState, rules: OrchestrationRules, now: Date): SchedulerDraft[] {
  const dependents = dependentsOf(scheduler, blockerId);
  if (dependents.length === 0) return [];
  const unblocked = dependents.map(({ taskId, orchestrationId }) => draft('OrchestrationUnblocked', { taskId, orchestrationId, blockerId }, taskId));
  const after: SchedulerState = {
    ...scheduler,
    queue: scheduler.queue.map((entry) => (entry.waitingOn.includes(blockerId) ? { ...entry, waitingOn: entry.waitingOn.filter((id) => id !== blockerId) } : entry)),
  };
  return [...unblocked, ...decideAdmissions(after, rules, now)];
}

/**
 * A stage parked on the model API's limit (`StageParked`) and its task decided when it runs
 * again (its pending retry's `retryAt`): dispatch on that credential pauses until then. The parked
 * task keeps its slot, so it resumes first; the queue is admitted, in order, after (see
 * `decideAdmissions`, which admits none while the credential is paused). A pause that
 * would end no later than the one recorded is not recorded again.
 */
export function decidePause(parked: MessageOf<'StageParked'>, retryAt: string, scheduler: SchedulerState): SchedulerDraft[] {
  const { credential, limit, taskId } = parked.data;
  if (limit === 'budget' || Date.parse(retryAt) <= (scheduler.pausedCredentials[credential] ?? 0)) return [];
  return [draft('CredentialPaused', { credential, until: retryAt, taskId, limit })];
}

/** The task's effective priority at `now`: one higher for every `priorityAgingS` it has waited. */
export function effectivePriority(entry: QueueEntry, rules: OrchestrationRules, now: number): number {
  return entry.priority + Math.floor(Math.max(0, now - entry.queuedAt) / (rules.priorityAgingS * 1000));
}

/** Whether `a` goes before `b`: a higher effective priority, or the same and queued earlier (the same instant: the log's order decides). */
function outranks(a: QueueEntry, b: QueueEntry, rules: OrchestrationRules, now: number): boolean {
  const difference = effectivePriority(a, rules, now) - effectivePriority(b, rules, now);
  return difference > 0 || (difference === 0 && a.queuedAt < b.queuedAt);
}

/** The best queued task that may run now (the first in the log's order among equals), or null. One pass over the queue: O(queued + running). */
function nextAdmissible(scheduler: SchedulerState, rules: OrchestrationRules, now: number): QueueEntry | null {
  if (scheduler.running.length >= rules.maxConcurrent || pausedUntil(scheduler, rules.credential, now) !== null) return null;
  const runningByProject = countByProject(scheduler);
  let best: QueueEntry | null = null;
  let bestPriority = -Infinity;
  for (const entry of scheduler.queue) {
    if (entry.waitingOn.length > 0 || !projectHasRoom(entry.projectId, scheduler, runningByProject)) continue;
    const priority = effectivePriority(entry, rules, now);
    // (the same as outranks(entry, best), each entry's effective priority computed once)
    if (best === null || priority > bestPriority || (priority === bestPriority && entry.queuedAt < best.queuedAt)) {
      best = entry;
      bestPriority = priority;
    }
  }
  return best;
}

function isAdmissible(entry: QueueEntry, scheduler: SchedulerState, rules: OrchestrationRules, now: number): boolean {
  return entry.waitingOn.length === 0 && pausedUntil(scheduler, rules.credential, now) === null && scheduler.running.length < rules.maxConcurrent && projectHasRoom(entry.projectId, scheduler, countByProject(scheduler));
}

function projectHasRoom(projectId: string | null, scheduler: SchedulerState, runningByProject: ReadonlyMap<string, number>): boolean {
  if (projectId === null) return true;
  const limit = scheduler.projectLimits[projectId] ?? null;
  return limit === null || (runningByProject.get(projectId) ?? 0) < limit;
}

function countByProject(scheduler: SchedulerState): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { projectId } of scheduler.running) if (projectId !== null) counts.set(projectId, (counts.get(projectId) ?? 0) + 1);
  return counts;
}

/** The scheduler as it will be once this start's project limit is recorded. */
function recordLimit(scheduler: SchedulerState, facts: QueueFacts): SchedulerState {
  if (facts.projectId === null) return scheduler;
  return { ...scheduler, projectLimits: { ...scheduler.projectLimits, [facts.projectId]: facts.projectMaxConcurrent } };
}
