import type { MessageData, OrchEvent, StageType } from '@app/contracts';

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
  const facts: AttemptFacts = { status: 'closed', orchestrationId: null, stageType: null };
  const applied = new Set<string>();
  for (const event of events) {
    if (applied.has(event.id)) continue;
    applied.add(event.id);
    if (event.type === 'StageScheduled' && event.data.stageId === stageId && event.data.attempt === attempt) {
      facts.status = 'startable';
      facts.orchestrationId = event.data.orchestrationId;
      facts.stageType = event.data.stageType;
    } else if (event.type === 'StageStarted' && event.data.stageId === stageId && event.data.attempt === attempt) {
      if (facts.status === 'startable') facts.status = 'started';
    } else if (closingReason(event, stageId, attempt) !== null) {
      facts.status = 'closed';
    }
  }
  return facts;
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
      return mine(event.data) ? `the attempt was timed out${event.data.reason ? `: ${event.data.reason}` : ''}` : null;
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
