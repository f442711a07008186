import { isTaskEvent, type MessageData, type OrchEvent, type StageType, type TaskEvent } from '@app/contracts';

export type AttemptStatus = 'startable' | 'started' | 'closed';

export interface AttemptFacts {
  status: AttemptStatus;
  /** from the attempt's StageScheduled; null when the subject never scheduled it */
  orchestrationId: string | null;
  stageType: StageType | null;
}

/**
 * Where one stage attempt stands on its task's subject: still to be started, started, or
 * closed (ended, superseded, or its task ended), with what its StageScheduled said (for
 * events about it). A runner starts only a startable attempt and reports only on a started
 * one, so a redelivered or reassigned run is never run or reported twice. An event stored
 * twice (re-published without its Nats-Msg-Id, or after the duplicate window) counts once:
 * a re-stored StageScheduled of an earlier stage does not supersede the current attempt.
 */
export function attemptFacts(events: readonly OrchEvent[], stageId: string, attempt: number): AttemptFacts {
  return factsOf(events.filter(isTaskEvent).reduce(evolveAttempts, initialAttempts()), stageId, attempt);
}

/**
 * The task subject folded for the runner (the aggregate store's fold, so a runner reads only
 * the subject's tail after its cache): the attempt scheduled last and where it stands, and
 * what each attempt's StageScheduled said. Any attempt but the last one is closed.
 */
export interface AttemptsState {
  latest: { stageId: string; attempt: number; status: AttemptStatus } | null;
  scheduled: Record<string, { orchestrationId: string; stageType: StageType }>;
  appliedIds: readonly string[];
}

export function initialAttempts(): AttemptsState {
  return { latest: null, scheduled: {}, appliedIds: [] };
}

/** Folds one event of the task's subject in, once per envelope id. Pure. */
export function evolveAttempts(state: AttemptsState, event: TaskEvent): AttemptsState {
  if (state.appliedIds.includes(event.id)) return state;
  const appliedIds = [...state.appliedIds, event.id];
  if (event.type === 'StageScheduled') {
    const { stageId, attempt, orchestrationId, stageType } = event.data;
    return { latest: { stageId, attempt, status: 'startable' }, scheduled: { ...state.scheduled, [`${stageId}:${attempt}`]: { orchestrationId, stageType } }, appliedIds };
  }
  const latest = state.latest;
  if (latest === null) return { ...state, appliedIds };
  if (event.type === 'StageStarted' && event.data.stageId === latest.stageId && event.data.attempt === latest.attempt) {
    return { ...state, latest: latest.status === 'startable' ? { ...latest, status: 'started' } : latest, appliedIds };
  }
  if (closingReason(event, latest.stageId, latest.attempt) !== null) return { ...state, latest: { ...latest, status: 'closed' }, appliedIds };
  return { ...state, appliedIds };
}

/** Where `stageId` at `attempt` stands in the folded subject. */
export function factsOf(state: AttemptsState, stageId: string, attempt: number): AttemptFacts {
  const said = state.scheduled[`${stageId}:${attempt}`];
  if (!said) return { status: 'closed', orchestrationId: null, stageType: null };
  const isLatest = state.latest?.stageId === stageId && state.latest.attempt === attempt;
  return { status: isLatest && state.latest ? state.latest.status : 'closed', orchestrationId: said.orchestrationId, stageType: said.stageType };
}

/**
 * Why `event` closes the attempt (it ended, another attempt or stage was scheduled, the
 * task ended), or null when it leaves the attempt as it was. A runner running the attempt
 * stops its agent on the first such event.
 */
export function closingReason(event: OrchEvent, stageId: string, attempt: number): string | null {
  const mine = (data: { stageId: string; attempt: number }) => data.stageId === stageId && data.attempt === attempt;
  switch (event.type) {
    case 'StageScheduled':
      return mine(event.data) ? null : `${event.data.stageType} attempt ${event.data.attempt} was scheduled instead`;
    case 'StageCompleted':
      return mine(event.data) ? 'the attempt was reported completed' : null;
    case 'StageFailed':
      return mine(event.data) ? `the attempt was failed: ${event.data.reason}` : null;
    case 'StageTimedOut':
      return mine(event.data) ? `the attempt was timed out: ${event.data.reason}` : null;
    case 'StageCancelled':
      return mine(event.data) ? `the attempt was cancelled: ${event.data.reason}` : null;
    case 'OrchestrationCompleted':
      return 'the orchestration completed';
    case 'OrchestrationFailed':
      return `the orchestration failed: ${event.data.reason}`;
    case 'OrchestrationCancelled':
      return `the orchestration was cancelled: ${event.data.reason}`;
    case 'TaskDeleted':
      return 'the task was deleted';
    default:
      return null;
  }
}

/** The StageCancelled a CancelRun asks for, if the attempt is still open to cancel. */
export function cancellation(
  facts: AttemptFacts,
  command: MessageData<'CancelRun'>,
  cancelledAt: string,
): MessageData<'StageCancelled'> | null {
  if (facts.status === 'closed' || facts.orchestrationId === null || facts.stageType === null) return null;
  const { taskId, stageId, attempt, reason } = command;
  return { taskId, orchestrationId: facts.orchestrationId, stageId, stageType: facts.stageType, attempt, reason, cancelledAt };
}
