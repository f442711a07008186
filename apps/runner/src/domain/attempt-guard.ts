import type { OrchEvent } from '@app/contracts';

export type AttemptStatus = 'startable' | 'started' | 'closed';

/**
 * Where one stage attempt stands on its task's subject: still to be started, started, or
 * closed (ended, superseded, or its task ended). A runner starts only a startable attempt
 * and reports only on a started one, so a redelivered or reassigned run is never run or
 * reported twice.
 */
export function attemptStatus(events: readonly OrchEvent[], stageId: string, attempt: number): AttemptStatus {
  let status: AttemptStatus = 'closed';
  for (const event of events) {
    switch (event.type) {
      case 'StageScheduled':
        if (event.data.stageId === stageId && event.data.attempt === attempt) status = 'startable';
        else if (status !== 'closed') status = 'closed';
        break;
      case 'StageStarted':
        if (event.data.stageId === stageId && event.data.attempt === attempt && status === 'startable') status = 'started';
        break;
      case 'StageCompleted':
      case 'StageFailed':
      case 'StageTimedOut':
      case 'StageCancelled':
        if (event.data.stageId === stageId && event.data.attempt === attempt) status = 'closed';
        break;
      case 'OrchestrationCompleted':
      case 'OrchestrationFailed':
      case 'OrchestrationCancelled':
      case 'TaskDeleted':
        status = 'closed';
        break;
      default:
        break;
    }
  }
  return status;
}
