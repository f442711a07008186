import type { StageType } from '@app/contracts';

/** The rules the decider applies; from the orchestrator's environment. */
export interface OrchestrationRules {
  enabled: boolean;
  maxConcurrent: number;
  /**
   * seconds a queued task waits for its effective priority to rise by one: a task of
   * priority p outranks every task queued more than `priorityAgingS × (9 − p)` after it, so
   * none waits for ever behind a stream of higher priorities
   */
  priorityAgingS: number;
  /** retries of a failed stage before the task fails */
  maxRetries: number;
  /** QA rejections sent back to implementation before the task fails */
  maxRework: number;
  /** seconds per stage */
  stageTimeoutS: Record<StageType, number>;
  /** seconds a lease lives unless renewed */
  leaseTtlS: number;
  /** milliseconds before the first retry; doubles each retry */
  retryBackoffBaseMs: number;
  /** milliseconds, the longest backoff */
  retryBackoffMaxMs: number;
  /** milliseconds a stage parked on a limit that named no reset time waits first; doubles each park of the stage */
  parkBackoffBaseMs: number;
  /** milliseconds, the longest such wait */
  parkBackoffMaxMs: number;
  /**
   * the name of the credential the runners run this orchestrator's stages on
   * (CLAUDE_CREDENTIAL_NAME, as the runners name it): while a park has paused it, no queued task is admitted
   */
  credential: string;
  /** US dollars a task may spend unless it has a budget of its own; null = no budget */
  taskBudgetUsd: number | null;
  /** US dollars one stage run may spend (`--max-budget-usd`); null = no cap */
  stageBudgetUsd: number | null;
  /** US dollars all runs may spend in a UTC day (a project's own cap is `dailyBudgetUsd` on the project); null = no cap */
  dailyBudgetUsd: number | null;
}
