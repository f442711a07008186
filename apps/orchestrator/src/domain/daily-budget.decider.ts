import { draft, type BudgetScope, type NextStage } from '@app/contracts';
import type { TaskDraft } from './decision';
import type { TaskState } from './task.state';

/**
 * Daily caps in US dollars, days in UTC: a project's (`dailyBudgetUsd` on the project) and
 * the orchestrator's (ORCHESTRATOR_DAILY_BUDGET_USD). Whoever decides knows the day's spend
 * without reading the history: `DaySpend` is one day's sum, folded run by run
 * (`withSpend`), and a new day starts from nothing. A task about to run its next stage
 * while a cap of its day is reached waits (holding no slot or lease) until the cap is raised
 * or the next UTC day starts (`decideDailyRecheck`); a running stage is not stopped. Pure.
 */

/** What was spent on one UTC day (YYYY-MM-DD): in all, and per project. */
export interface DaySpend {
  day: string;
  totalUsd: number;
  byProject: Readonly<Record<string, number>>;
}

/** What the daily check of one task needs: its project, the caps (null: none) and the day's spend so far. */
export interface DailyBudgets {
  projectId: string | null;
  projectCapUsd: number | null;
  globalCapUsd: number | null;
  spend: DaySpend;
}

/** The UTC day of `at`. */
export function utcDay(at: Date): string {
  return at.toISOString().slice(0, 10);
}

/** When the UTC day after `day` starts (ms since the epoch): when a task waiting on `day`'s cap is checked again. */
export function nextDayStart(day: string): number {
  return Date.parse(`${day}T00:00:00.000Z`) + 86_400_000;
}

/** The spend of `day`: `spend` itself, or nothing yet when it is another day's. */
export function spendOn(spend: DaySpend, day: string): DaySpend {
  return spend.day === day ? spend : { day, totalUsd: 0, byProject: {} };
}

/** A run of `projectId`'s (null: a task of none) that cost `costUsd`, ended at `at`, added to its day's spend. */
export function withSpend(spend: DaySpend, projectId: string | null, costUsd: number, at: Date): DaySpend {
  const today = spendOn(spend, utcDay(at));
  const byProject = projectId === null ? today.byProject : { ...today.byProject, [projectId]: roundUsd((today.byProject[projectId] ?? 0) + costUsd) };
  return { day: today.day, totalUsd: roundUsd(today.totalUsd + costUsd), byProject };
}

/** The first cap of `day` reached for the task's project (the project's, then the global one); null while both hold. */
export function dailyCapReached(daily: DailyBudgets, day: string): { scope: BudgetScope; budgetUsd: number; spentUsd: number } | null {
  const spend = spendOn(daily.spend, day);
  const projectSpent = daily.projectId === null ? 0 : (spend.byProject[daily.projectId] ?? 0);
  if (daily.projectCapUsd !== null && daily.projectId !== null && projectSpent >= daily.projectCapUsd) {
    return { scope: 'project-day', budgetUsd: daily.projectCapUsd, spentUsd: projectSpent };
  }
  if (daily.globalCapUsd !== null && spend.totalUsd >= daily.globalCapUsd) return { scope: 'global-day', budgetUsd: daily.globalCapUsd, spentUsd: spend.totalUsd };
  return null;
}

/** Before the task goes on with `next` at `at`: it waits when a cap of that UTC day is reached; `goOn` is what it does otherwise. */
export function withinDailyBudgets(task: TaskState, daily: DailyBudgets, next: NextStage, goOn: TaskDraft[], at: string): TaskDraft[] {
  if (task.orchestrationId === null) return goOn;
  const day = utcDay(new Date(at));
  const reached = dailyCapReached(daily, day);
  if (reached === null) return goOn;
  return [draft('TaskWaiting', { taskId: task.taskId, orchestrationId: task.orchestrationId, waitingFor: { kind: 'budget', ...reached, day, next }, at })];
}

/**
 * The orchestrator's timer at the next UTC day, or a cap raised: a task waiting for a daily
 * cap goes on (through admission again) once no cap of today is reached — `by` names who
 * raised it, or the new day.
 */
export function decideDailyRecheck(task: TaskState, daily: DailyBudgets, now: Date, by: string): TaskDraft[] {
  const waitingFor = task.waitingFor;
  if (task.status !== 'waiting' || waitingFor?.kind !== 'budget' || waitingFor.day === undefined || task.orchestrationId === null) return [];
  if (dailyCapReached(daily, utcDay(now)) !== null) return [];
  return [draft('TaskWaitEnded', { taskId: task.taskId, orchestrationId: task.orchestrationId, by, next: waitingFor.next, at: now.toISOString() })];
}

/** US dollars to the millionth (sums of floats drift) */
export function roundUsd(usd: number): number {
  return Math.round(usd * 1_000_000) / 1_000_000;
}
