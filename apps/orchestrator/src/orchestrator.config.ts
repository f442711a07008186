import { z } from 'zod';
import { boolVar, intVar, messagingEnvShape, messagingOptionsFrom, parseEnv, stringVar, usdVar } from '@app/config';
import type { MessagingOptions } from '@app/messaging';
import type { OrchestrationRules } from './domain/orchestration.config';

const schema = z.object({
  ...messagingEnvShape,
  ORCHESTRATOR_ENABLED: boolVar(true),
  ORCHESTRATOR_MAX_CONCURRENT: intVar(2, 1, 10_000),
  ORCHESTRATOR_PRIORITY_AGING_S: intVar(300, 1, 86_400),
  ORCHESTRATOR_STAGE_TIMEOUT_SPEC: intVar(1800, 1),
  ORCHESTRATOR_STAGE_TIMEOUT_IMPL: intVar(3600, 1),
  ORCHESTRATOR_STAGE_TIMEOUT_QA: intVar(1800, 1),
  ORCHESTRATOR_MAX_RETRIES: intVar(2, 0, 100),
  ORCHESTRATOR_MAX_REWORK: intVar(2, 0, 100),
  ORCHESTRATOR_RETRY_BACKOFF_BASE_MS: intVar(2_000, 0),
  ORCHESTRATOR_RETRY_BACKOFF_MAX_MS: intVar(60_000, 0),
  ORCHESTRATOR_PARK_BACKOFF_S: intVar(60, 1, 86_400),
  ORCHESTRATOR_PARK_BACKOFF_MAX_S: intVar(1_800, 1, 86_400),
  /** the credential the runners name when a stage parks (theirs is the same variable): its pause holds the queue */
  CLAUDE_CREDENTIAL_NAME: stringVar('default'),
  /** US dollars a task may spend over all its stages and rounds, unless it has a budget of its own; unset = no budget */
  ORCHESTRATOR_TASK_BUDGET_USD: usdVar(),
  /** US dollars one stage run may spend (the CLI's --max-budget-usd); unset = no cap */
  ORCHESTRATOR_STAGE_BUDGET_USD: usdVar(),
  /** US dollars all runs may spend in a UTC day; unset = no cap */
  ORCHESTRATOR_DAILY_BUDGET_USD: usdVar(),
  ORCHESTRATOR_LEASE_TTL_S: intVar(120, 5),
  ORCHESTRATOR_HEARTBEAT_TIMEOUT_S: intVar(90, 0),
  ORCHESTRATOR_REDRIVE_S: intVar(30, 1, 3600),
});

export interface OrchestratorConfig {
  messaging: MessagingOptions;
  rules: OrchestrationRules;
  /** seconds without a RunHeartbeat before a running stage is timed out; 0 = never */
  heartbeatTimeoutS: number;
  /** seconds between two re-drives of the open orchestrations (their timers re-armed from the log) */
  redriveIntervalS: number;
}

export const ORCHESTRATOR_CONFIG = Symbol('OrchestratorConfig');

export function loadOrchestratorConfig(env: NodeJS.ProcessEnv): OrchestratorConfig {
  const parsed = parseEnv(schema, env, 'orchestrator');
  return {
    messaging: messagingOptionsFrom(parsed, 'orchestrator'),
    heartbeatTimeoutS: parsed.ORCHESTRATOR_HEARTBEAT_TIMEOUT_S,
    redriveIntervalS: parsed.ORCHESTRATOR_REDRIVE_S,
    rules: {
      enabled: parsed.ORCHESTRATOR_ENABLED,
      maxConcurrent: parsed.ORCHESTRATOR_MAX_CONCURRENT,
      priorityAgingS: parsed.ORCHESTRATOR_PRIORITY_AGING_S,
      maxRetries: parsed.ORCHESTRATOR_MAX_RETRIES,
      maxRework: parsed.ORCHESTRATOR_MAX_REWORK,
      stageTimeoutS: {
        specification: parsed.ORCHESTRATOR_STAGE_TIMEOUT_SPEC,
        implementation: parsed.ORCHESTRATOR_STAGE_TIMEOUT_IMPL,
        qa: parsed.ORCHESTRATOR_STAGE_TIMEOUT_QA,
      },
      leaseTtlS: parsed.ORCHESTRATOR_LEASE_TTL_S,
      retryBackoffBaseMs: parsed.ORCHESTRATOR_RETRY_BACKOFF_BASE_MS,
      retryBackoffMaxMs: parsed.ORCHESTRATOR_RETRY_BACKOFF_MAX_MS,
      parkBackoffBaseMs: parsed.ORCHESTRATOR_PARK_BACKOFF_S * 1000,
      parkBackoffMaxMs: parsed.ORCHESTRATOR_PARK_BACKOFF_MAX_S * 1000,
      credential: parsed.CLAUDE_CREDENTIAL_NAME,
      taskBudgetUsd: parsed.ORCHESTRATOR_TASK_BUDGET_USD,
      stageBudgetUsd: parsed.ORCHESTRATOR_STAGE_BUDGET_USD,
      dailyBudgetUsd: parsed.ORCHESTRATOR_DAILY_BUDGET_USD,
    },
  };
}
