import { deterministicId, newMessage } from '@app/contracts';
import { factory, ids } from '@app/testing';
import { givenScheduler, givenTask, rules, stored, types } from './decider.givens';
import { decideDailyRecheck, nextDayStart, utcDay, withSpend, type DailyBudgets, type DaySpend } from './daily-budget.decider';
import { decideAdmitted, decideStageCompleted } from './task.decider';

const projectA = deterministicId('spec-project', 'a');
const projectB = deterministicId('spec-project', 'b');
const today = new Date('2026-11-24T22:00:00.000Z');
const tomorrow = new Date('2026-11-25T00:00:05.000Z');
const nothing: DaySpend = { day: '2026-11-23', totalUsd: 0, byProject: {} };

/** the day's spend after runs of each [project, cost] ended `at` */
const spent = (at: Date, ...runs: Array<[string | null, number]>) => runs.reduce((spend, [projectId, cost]) => withSpend(spend, projectId, cost, at), nothing);
const daily = (spend: DaySpend, caps: Partial<DailyBudgets> = {}): DailyBudgets => ({ projectId: projectA, projectCapUsd: null, globalCapUsd: null, spend, ...caps });

/** a task of the project that just completed its specification, which cost `cost`, at `at` */
function specificationDone(cost: number, at: Date) {
  const completed = factory.stageCompleted({}, { completedAt: at.toISOString(), result: { ...factory.stageCompleted().data.result, totalCostUsd: cost } });
  const events = [factory.taskCreated(), factory.orchestrationStarted(), factory.stageScheduled(), factory.stageStarted(), completed];
  return { completed, events, task: givenTask(...events) };
}

describe('daily budgets (US dollars per UTC day: per project, and in all)', () => {
  it('given runs on two days, then each day is summed on its own (per project and in all) and a new day starts from nothing', () => {
    const spend = spent(today, [projectA, 0.5], [projectB, 0.25], [null, 0.1], [projectA, 0.2]);
    expect(spend).toEqual({ day: '2026-11-24', totalUsd: 1.05, byProject: { [projectA]: 0.7, [projectB]: 0.25 } });
    expect(withSpend(spend, projectB, 0.3, tomorrow)).toEqual({ day: '2026-11-25', totalUsd: 0.3, byProject: { [projectB]: 0.3 } });
    expect(nextDayStart(utcDay(today))).toBe(Date.parse('2026-11-25T00:00:00.000Z'));
  });

  it('given StageCostRecorded on the scheduler\'s subject, then its state holds the day\'s spend, each run counted once, and the day before is dropped', () => {
    const cost = (n: number, projectId: string | null, costUsd: number, at: string) =>
      newMessage('StageCostRecorded', 'scheduler', { taskId: ids.task(n), projectId, stageId: ids.stage('specification', 0, n), attempt: 1, costUsd, at }, { producer: 'spec', occurredAt: at, id: deterministicId('cost', n, at) });
    const yesterday = cost(1, projectA, 9, '2026-11-23T23:59:00.000Z');
    const first = cost(2, projectA, 0.4, today.toISOString());
    expect(givenScheduler(yesterday, first, first, cost(3, null, 0.1, today.toISOString())).daySpend).toEqual({ day: '2026-11-24', totalUsd: 0.5, byProject: { [projectA]: 0.4 } });
  });

  it('given a project whose cap of $1 a day is reached by this stage, when the stage completes, then its next stage waits as the project\'s day budget reached, holding no slot', () => {
    const { completed, events, task } = specificationDone(0.6, today);
    const budgets = daily(spent(today, [projectA, 0.5], [projectA, 0.6]), { projectCapUsd: 1 });
    const drafts = decideStageCompleted(completed, task, rules, budgets);
    expect(drafts).toEqual([
      expect.objectContaining({
        type: 'TaskWaiting',
        data: expect.objectContaining({ waitingFor: { kind: 'budget', scope: 'project-day', day: '2026-11-24', budgetUsd: 1, spentUsd: 1.1, next: expect.objectContaining({ stageType: 'implementation', round: 0 }) } }),
      }),
    ]);
    expect(givenTask(...events, ...stored(completed, drafts))).toMatchObject({ status: 'waiting', waitingFor: { scope: 'project-day' } });
    // still the same day: it keeps waiting
    expect(decideDailyRecheck(givenTask(...events, ...stored(completed, drafts)), budgets, new Date('2026-11-24T23:59:59.000Z'), 'the next UTC day')).toEqual([]);
  });

  it('given a task waiting for its project\'s day budget, when the next UTC day starts, then it goes on with its next stage through admission', () => {
    const { completed, events, task } = specificationDone(0.6, today);
    const budgets = daily(spent(today, [projectA, 1.1]), { projectCapUsd: 1 });
    const waiting = [...events, ...stored(completed, decideStageCompleted(completed, task, rules, budgets))];

    const drafts = decideDailyRecheck(givenTask(...waiting), budgets, tomorrow, 'the next UTC day');
    expect(drafts).toEqual([
      expect.objectContaining({ type: 'TaskWaitEnded', data: expect.objectContaining({ by: 'the next UTC day', next: expect.objectContaining({ stageType: 'implementation' }), at: tomorrow.toISOString() }) }),
    ]);
    const resumed = givenTask(...waiting, ...stored(completed, drafts));
    expect(resumed).toMatchObject({ status: 'running', waitingFor: null });
    expect(types(decideAdmitted(factory.orchestrationAdmitted(), resumed))).toEqual(['StageScheduled']);
  });

  it('given a project\'s cap raised above the day\'s spend, then the waiting task goes on the same day, naming who raised it', () => {
    const { completed, events, task } = specificationDone(0.6, today);
    const budgets = daily(spent(today, [projectA, 1.1]), { projectCapUsd: 1 });
    const waiting = givenTask(...events, ...stored(completed, decideStageCompleted(completed, task, rules, budgets)));
    expect(decideDailyRecheck(waiting, { ...budgets, projectCapUsd: 5 }, today, 'alice')).toEqual([expect.objectContaining({ type: 'TaskWaitEnded', data: expect.objectContaining({ by: 'alice' }) })]);
  });

  it('given another project spent past project A\'s cap, then A\'s task is not held back', () => {
    const { completed, task } = specificationDone(0.1, today);
    const budgets = daily(spent(today, [projectB, 7], [projectA, 0.1]), { projectCapUsd: 1 });
    expect(types(decideStageCompleted(completed, task, rules, budgets))).toEqual(['StageScheduled']);
  });

  it('given the global cap of the day is reached (by any project, or none), then the next stage of every project waits as the global day budget reached, and the next day goes on', () => {
    const { completed, events, task } = specificationDone(0.1, today);
    const budgets = daily(spent(today, [projectB, 1.5], [null, 0.4], [projectA, 0.1]), { projectCapUsd: 10, globalCapUsd: 2 });
    const drafts = decideStageCompleted(completed, task, rules, budgets);
    expect(drafts).toEqual([expect.objectContaining({ type: 'TaskWaiting', data: expect.objectContaining({ waitingFor: expect.objectContaining({ scope: 'global-day', budgetUsd: 2, spentUsd: 2 }) }) })]);
    expect(types(decideStageCompleted(completed, task, rules, { ...budgets, projectId: projectB }))).toEqual(['TaskWaiting']);

    const waiting = givenTask(...events, ...stored(completed, drafts));
    expect(decideDailyRecheck(waiting, budgets, today, 'the next UTC day')).toEqual([]);
    expect(types(decideDailyRecheck(waiting, budgets, tomorrow, 'the next UTC day'))).toEqual(['TaskWaitEnded']);
  });

  it('given no daily caps (the default), then spend of any size holds nothing back; and a task waiting for its own budget is not let go by a new day', () => {
    const { completed, events, task } = specificationDone(0.1, today);
    expect(types(decideStageCompleted(completed, task, rules, daily(spent(today, [projectA, 1_000]))))).toEqual(['StageScheduled']);

    const capped = { ...rules, taskBudgetUsd: 0.05 };
    const waiting = givenTask(...events, ...stored(completed, decideStageCompleted(completed, task, capped, daily(nothing))));
    expect(waiting).toMatchObject({ status: 'waiting', waitingFor: { kind: 'budget', budgetUsd: 0.05 } });
    expect(decideDailyRecheck(waiting, daily(nothing), tomorrow, 'the next UTC day')).toEqual([]);
  });
});
