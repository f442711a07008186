import type { OrchEvent } from '@app/contracts';

/** An attempt's end other than success. */
export type BadRunEnd = Extract<OrchEvent, { type: 'StageFailed' | 'StageTimedOut' | 'StageCancelled' }>;

/** What an attempt's bad end changes of its stage run: the one mapping the projector's rows and the board's updates share. */
export interface StageEnd {
  taskId: string;
  orchestrationId: string;
  stageId: string;
  stageType: BadRunEnd['data']['stageType'];
  attempt: number;
  status: 'failed';
  /** what a person reads: the failure's reason, the timeout's, or `cancelled: …` */
  error: string;
  retryable: boolean;
  completedAt: string;
  /** the attempt's cost when the event says it (a failure may); absent: unchanged */
  costUsd?: number | null;
}

/** The stage run's change for a failed, timed-out or cancelled attempt. Pure. */
export function stageEndOf(event: BadRunEnd): StageEnd {
  const { taskId, orchestrationId, stageId, stageType, attempt } = event.data;
  const ref = { taskId, orchestrationId, stageId, stageType, attempt, status: 'failed' as const };
  switch (event.type) {
    case 'StageFailed':
      return { ...ref, error: event.data.reason, retryable: event.data.retryable, completedAt: event.data.failedAt, costUsd: event.data.result?.totalCostUsd ?? null };
    case 'StageTimedOut':
      return { ...ref, error: event.data.reason, retryable: true, completedAt: event.data.timedOutAt };
    case 'StageCancelled':
      return { ...ref, error: `cancelled: ${event.data.reason}`, retryable: false, completedAt: event.data.cancelledAt };
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
