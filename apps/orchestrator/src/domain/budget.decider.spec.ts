import { factory } from '@app/testing';
import { givenTask, now, rules, running, stored, types } from './decider.givens';
import { isRejection } from './decision';
import { decideRaiseBudget, runBudgetOf } from './budget.decider';
import { react } from './saga';
import { decideAdmitted, decideStageCompleted, decideStageParked } from './task.decider';

const cost = (totalCostUsd: number) => ({ ...factory.stageCompleted().data.result, totalCostUsd });
/** a run of the specification the CLI stopped at --max-budget-usd, having cost `usd` */
const budgetStop = (usd: number) => factory.stageParked({}, { limit: 'budget', reason: 'the stage reached its budget', result: cost(usd) });

describe('budgets (US dollars, over all of a task\'s runs)', () => {
  it('given a task with a budget of $1 that spent $0.30, when its next stage runs, then the CLI is given what is left as --max-budget-usd', () => {
    const task = givenTask(factory.taskCreated(1, { budgetUsd: 1 }), factory.orchestrationStarted(), factory.stageScheduled(), factory.stageStarted(), factory.stageCompleted({}, { result: cost(0.3) }), factory.stageScheduled({ stageType: 'implementation' }));
    const [run] = react(factory.leaseGranted({ stageType: 'implementation' }), task, 9, rules);
    expect(run).toMatchObject({ type: 'RunStage', data: { maxBudgetUsd: 0.7 } });
    expect(runBudgetOf(task, { ...rules, stageBudgetUsd: 0.5 })).toBe(0.5);
    expect(runBudgetOf(givenTask(factory.taskCreated()), rules)).toBeNull();
  });

  it('given the budget is reached mid-stage (the CLI stopped at --max-budget-usd), then the task waits for a raise, to run that stage again', () => {
    const parked = budgetStop(1.02);
    const task = givenTask(factory.taskCreated(1, { budgetUsd: 1 }), ...running().slice(1), parked);
    const drafts = decideStageParked(parked, task, rules, now);
    expect(types(drafts)).toEqual(['TaskBudgetWarning', 'TaskWaiting']);
    expect(drafts[1]).toMatchObject({ data: { waitingFor: { kind: 'budget', budgetUsd: 1, spentUsd: 1.02, next: { stageType: 'specification', round: 0 } } } });
    // waiting, it holds no lease (the park gave it up; TaskWaiting gives the slot back)
    const waiting = givenTask(factory.taskCreated(1, { budgetUsd: 1 }), ...running().slice(1), parked, ...stored(parked, drafts));
    expect(waiting).toMatchObject({ status: 'waiting', heldLease: null, spentUsd: 1.02 });
    expect(types(react(parked, givenTask(factory.taskCreated(1, { budgetUsd: 1 }), ...running().slice(1), parked), 12, rules))).toEqual(['ReleaseLease']);
  });

  it('given a stage ends with 80 % of the budget spent, then a warning, once; at 100 % the task waits before its next stage', () => {
    const given = [factory.taskCreated(1, { budgetUsd: 1 }), factory.orchestrationStarted(), factory.stageScheduled(), factory.stageStarted()];
    const completed = factory.stageCompleted({}, { result: cost(0.85) });
    const drafts = decideStageCompleted(completed, givenTask(...given, completed), rules);
    expect(types(drafts)).toEqual(['TaskBudgetWarning', 'StageScheduled']);
    expect(drafts[0]).toMatchObject({ data: { budgetUsd: 1, spentUsd: 0.85 } });

    const spent = factory.stageCompleted({}, { result: cost(1.2) });
    expect(types(decideStageCompleted(spent, givenTask(...given, spent), rules))).toEqual(['TaskBudgetWarning', 'TaskWaiting']);
  });

  it('given a stage run past the stage\'s own cap while the task\'s budget holds, then the task fails naming the cap', () => {
    const parked = budgetStop(0.4);
    const drafts = decideStageParked(parked, givenTask(factory.taskCreated(1, { budgetUsd: 5 }), ...running().slice(1), parked), { ...rules, stageBudgetUsd: 0.4 }, now);
    expect(drafts).toEqual([expect.objectContaining({ type: 'OrchestrationFailed', data: expect.objectContaining({ reason: 'specification reached its cap of $0.4 a run (ORCHESTRATOR_STAGE_BUDGET_USD)' }) })]);
  });

  it('given a task waiting for its budget, when a person raises it, then the raise names who and by how much, the wait ends, and once admitted the stage runs again as its next attempt', () => {
    const parked = budgetStop(1.02);
    const base = [factory.taskCreated(1, { budgetUsd: 1 }), ...running().slice(1), parked];
    const waitingEvents = [...base, ...stored(parked, decideStageParked(parked, givenTask(...base), rules, now))];
    const raise = factory.raiseTaskBudget(1, 3, 'alice');

    const drafts = decideRaiseBudget(raise, givenTask(...waitingEvents), rules, now);
    if (isRejection(drafts)) throw new Error(drafts.rejected);
    expect(drafts).toEqual([
      expect.objectContaining({ type: 'TaskBudgetRaised', data: expect.objectContaining({ previousBudgetUsd: 1, budgetUsd: 3, raisedByUsd: 2, by: 'alice' }) }),
      expect.objectContaining({ type: 'TaskWaitEnded', data: expect.objectContaining({ by: 'alice', next: expect.objectContaining({ stageType: 'specification', round: 0 }) }) }),
    ]);

    const resumed = givenTask(...waitingEvents, ...stored(raise, drafts));
    expect(resumed).toMatchObject({ budgetUsd: 3, status: 'running' });
    const admitted = decideAdmitted(factory.orchestrationAdmitted(), resumed);
    expect(admitted).toEqual([expect.objectContaining({ type: 'StageScheduled', data: expect.objectContaining({ stageType: 'specification', round: 0, attempt: 2 }) })]);
  });

  it.each([
    ['no higher than the budget', 1, /is \$1 already: \$1 is no raise/],
    ['not above what it spent', 0.5, /has spent \$1\.02 already/],
  ])('given a raise %s, then it is refused with the reason', (_case, budgetUsd, reason) => {
    const parked = budgetStop(1.02);
    const task = givenTask(factory.taskCreated(1, { budgetUsd: budgetUsd === 1 ? 1 : null }), ...running().slice(1), parked);
    expect(decideRaiseBudget(factory.raiseTaskBudget(1, budgetUsd), task, rules, now)).toEqual({ rejected: expect.stringMatching(reason) });
  });
});
