import { draft, type MessageOf, type NextStage } from '@app/contracts';
import { rejection, type Rejection, type TaskDraft } from './decision';
import type { OrchestrationRules } from './orchestration.config';
import type { TaskState } from './task.state';

/**
 * Budgets in US dollars, over the task's runs (their results' `total_cost_usd`): the task's
 * own (TaskCreated, raised by a person) or the orchestrator's default; a stage's cap per
 * run. Pure.
 */

/** share of the budget spent at which TaskBudgetWarning is given */
export const BUDGET_WARNING_SHARE = 0.8;

/** The task's budget: its own, else the default; null when it has none. */
export function budgetOf(task: TaskState, rules: OrchestrationRules): number | null {
  return task.budgetUsd ?? rules.taskBudgetUsd;
}

/** What one run may spend (`--max-budget-usd`): the stage's cap, and no more than is left of the task's; null for no limit. */
export function runBudgetOf(task: TaskState, rules: OrchestrationRules): number | null {
  const budget = budgetOf(task, rules);
  const left = budget === null ? null : Math.max(0.000001, round6(budget - task.spentUsd));
  if (left === null) return rules.stageBudgetUsd;
  return rules.stageBudgetUsd === null ? left : Math.min(left, rules.stageBudgetUsd);
}

/**
 * Before the task goes on with `next`: at 80 % of its budget a warning (once per budget);
 * at 100 % it waits for a raise instead — holding no slot or lease — and goes on with
 * `next` after it. `goOn` is what it does otherwise.
 */
export function withinBudget(task: TaskState, rules: OrchestrationRules, next: NextStage, goOn: TaskDraft[], at: string): TaskDraft[] {
  const budget = budgetOf(task, rules);
  if (budget === null || task.orchestrationId === null) return goOn;
  const { taskId, orchestrationId, spentUsd } = task;
  const warning = spentUsd >= budget * BUDGET_WARNING_SHARE && task.budgetWarnedFor !== budget ? [draft('TaskBudgetWarning', { taskId, orchestrationId, budgetUsd: budget, spentUsd: round6(spentUsd), at })] : [];
  if (spentUsd < budget) return [...warning, ...goOn];
  return [...warning, draft('TaskWaiting', { taskId, orchestrationId, waitingFor: { kind: 'budget', budgetUsd: budget, spentUsd: round6(spentUsd), next }, at })];
}

/**
 * RaiseTaskBudget → the new budget is recorded, naming who and by how much; a task waiting
 * for it goes on (queued for a slot again) once the budget is above what it spent.
 */
export function decideRaiseBudget(command: MessageOf<'RaiseTaskBudget'>, task: TaskState, rules: OrchestrationRules, now: Date): TaskDraft[] | Rejection {
  const { taskId, budgetUsd, by } = command.data;
  if (!task.exists || task.deleted) return rejection(`task ${taskId} does not exist`);
  const previous = budgetOf(task, rules);
  if (previous !== null && budgetUsd <= previous) return rejection(`the budget of task ${taskId} is $${previous} already: $${budgetUsd} is no raise`);
  if (budgetUsd <= task.spentUsd) return rejection(`task ${taskId} has spent $${round6(task.spentUsd)} already: a budget of $${budgetUsd} would not let it go on`);
  const at = now.toISOString();
  const raised = draft('TaskBudgetRaised', { taskId, previousBudgetUsd: task.budgetUsd, budgetUsd, raisedByUsd: round6(budgetUsd - (previous ?? 0)), by, at });
  const waitingFor = task.waitingFor;
  if (task.status !== 'waiting' || waitingFor?.kind !== 'budget' || task.orchestrationId === null) return [raised];
  return [raised, draft('TaskWaitEnded', { taskId, orchestrationId: task.orchestrationId, by, next: waitingFor.next, at })];
}

function round6(usd: number): number {
  return Math.round(usd * 1_000_000) / 1_000_000;
}
