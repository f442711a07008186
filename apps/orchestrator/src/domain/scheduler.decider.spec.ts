import { factory, ids } from '@app/testing';
import { givenScheduler, givenTask, now, rules, running, types } from './decider.givens';
import { isRejection, type AdmissionRequest, type QueueFacts } from './decision';
import { decideAdmission, decideAdmissions, decideBlockerDone, decidePause, decideRelease, effectivePriority } from './scheduler.decider';
import { decideRetryDue, decideStageParked, decideStart } from './task.decider';
import type { TaskState } from './task.state';

/** The admission request the task decider lets through for `command` (the spec fails if it refuses). */
const startable = (command: ReturnType<typeof factory.startOrchestration>, task: TaskState): AdmissionRequest => {
  const outcome = decideStart(command, task, rules);
  if (isRejection(outcome)) throw new Error(`expected the start to be let through, got: ${outcome.rejected}`);
  return outcome;
};

describe('scheduler decider (the admission log)', () => {
  describe('admission: limit and FIFO queue', () => {
    it('given a free slot, when a task is started, then it is admitted', () => {
      const drafts = decideAdmission(startable(factory.startOrchestration(1), givenTask(factory.taskCreated())), givenScheduler(), rules, now);
      expect(drafts).toEqual([{ type: 'OrchestrationAdmitted', data: { taskId: ids.task(1), orchestrationId: expect.any(String) } }]);
    });

    it('given the limit is reached, when a task is started, then it is queued behind the others with its position', () => {
      const scheduler = givenScheduler(factory.orchestrationAdmitted(2), factory.orchestrationAdmitted(3), factory.orchestrationQueued(4, 1));
      const drafts = decideAdmission(startable(factory.startOrchestration(1), givenTask(factory.taskCreated())), scheduler, rules, now);
      expect(drafts).toEqual([expect.objectContaining({ type: 'OrchestrationQueued', data: expect.objectContaining({ taskId: ids.task(1), position: 2 }) })]);
    });

    it('given a task already queued, when it is started again, then nothing is decided', () => {
      const scheduler = givenScheduler(factory.orchestrationQueued(1, 1));
      expect(decideAdmission(startable(factory.startOrchestration(1), givenTask(factory.taskCreated())), scheduler, rules, now)).toEqual([]);
    });

    it('given a running task ends, then its slot is released and the head of the queue admitted, in order', () => {
      const scheduler = givenScheduler(factory.orchestrationAdmitted(1), factory.orchestrationAdmitted(2), factory.orchestrationQueued(3, 1), factory.orchestrationQueued(4, 2));
      const drafts = decideRelease(factory.orchestrationCompleted(1), givenTask(factory.taskCreated(), factory.orchestrationStarted(), factory.orchestrationCompleted(1)), scheduler, rules, now);
      expect(drafts.map((item) => [item.type, item.data.taskId])).toEqual([
        ['OrchestrationReleased', ids.task(1)],
        ['OrchestrationAdmitted', ids.task(3)],
      ]);
    });

    it('given free slots and a queue, then admissions fill exactly the free slots', () => {
      const scheduler = givenScheduler(factory.orchestrationQueued(1, 1), factory.orchestrationQueued(2, 2), factory.orchestrationQueued(3, 3));
      expect(decideAdmissions(scheduler, rules, now).map((item) => item.data.taskId)).toEqual([ids.task(1), ids.task(2)]);
    });
  });

  describe('re-stored duplicates (the same envelope id stored twice)', () => {
    it('given an admission re-stored after its release, then the slot stays free', () => {
      const admitted = factory.orchestrationAdmitted(1);
      const scheduler = givenScheduler(admitted, factory.orchestrationReleased(1), admitted);
      expect(scheduler.running).toEqual([]);
      expect(decideAdmissions(givenScheduler(admitted, factory.orchestrationReleased(1), admitted, factory.orchestrationQueued(2, 1)), rules, now)).toEqual([
        expect.objectContaining({ type: 'OrchestrationAdmitted', data: expect.objectContaining({ taskId: ids.task(2) }) }),
      ]);
    });
  });


  describe('retry from the API', () => {
    it('given a failed stage let through by the task, when it is retried, then it is admitted with a key of its own', () => {
      const drafts = decideAdmission({ taskId: ids.task(1), orchestrationId: ids.orchestration(1), key: 'retry:s:1' }, givenScheduler(), rules, now);
      expect(drafts).toEqual([{ type: 'OrchestrationAdmitted', data: { taskId: ids.task(1), orchestrationId: ids.orchestration(1) }, key: 'retry:s:1' }]);
    });
  });

  describe('priorities: highest first, FIFO within one, aged so none starves', () => {
    const minutes = (n: number) => new Date(now.getTime() + n * 60_000);
    const queuedAt = (n: number) => minutes(n).toISOString();
    const admittedIds = (drafts: ReadonlyArray<{ type: string; data: { taskId: string } }>) => drafts.filter((item) => item.type === 'OrchestrationAdmitted').map((item) => item.data.taskId);
    const one = { ...rules, maxConcurrent: 1 };

    it('given tasks of priorities 2, 9 and 5 queued in that order, when slots free, then the 9 is admitted, then the 5, then the 2', () => {
      const scheduler = givenScheduler(
        factory.orchestrationQueued(2, 1, { priority: 2 }, queuedAt(0)),
        factory.orchestrationQueued(3, 2, { priority: 9 }, queuedAt(0)),
        factory.orchestrationQueued(4, 3, { priority: 5 }, queuedAt(0)),
      );
      expect(admittedIds(decideAdmissions(scheduler, one, minutes(1)))).toEqual([ids.task(3)]);
      expect(admittedIds(decideAdmissions(scheduler, { ...rules, maxConcurrent: 3 }, minutes(1)))).toEqual([ids.task(3), ids.task(4), ids.task(2)]);
    });

    it('given two tasks of the same priority, then the one queued first is admitted first', () => {
      const scheduler = givenScheduler(factory.orchestrationQueued(2, 1, { priority: 7 }, queuedAt(1)), factory.orchestrationQueued(3, 2, { priority: 7 }, queuedAt(2)));
      expect(admittedIds(decideAdmissions(scheduler, one, minutes(3)))).toEqual([ids.task(2)]);
    });

    it('given a new task of a higher priority than those queued, then it is queued ahead of them with its position', () => {
      const scheduler = givenScheduler(factory.orchestrationAdmitted(5), factory.orchestrationQueued(2, 1, { priority: 3 }, queuedAt(0)), factory.orchestrationQueued(3, 2, { priority: 3 }, queuedAt(0)));
      const request: AdmissionRequest = { taskId: ids.task(1), orchestrationId: ids.orchestration(1), queue: { priority: 8, projectId: null, projectMaxConcurrent: null, waitingOn: [] } };
      expect(decideAdmission(request, scheduler, one, minutes(0))).toEqual([expect.objectContaining({ type: 'OrchestrationQueued', data: expect.objectContaining({ position: 1, priority: 8 }) })]);
    });

    it('aging: a priority-0 task queued an hour ago (+12 at 300 s per step) outranks a priority-9 task queued now; 44 minutes after it (+8) it does not', () => {
      const oldLow = factory.orchestrationQueued(2, 1, { priority: 0 }, queuedAt(0));
      const freshHigh = factory.orchestrationQueued(3, 2, { priority: 9 }, queuedAt(60));
      expect(admittedIds(decideAdmissions(givenScheduler(oldLow, freshHigh), one, minutes(60)))).toEqual([ids.task(2)]);
      // at minute 44 the old one is at 0 + 8 = 8, a 9 queued at minute 44 at 9: the 9 goes first
      const earlierHigh = factory.orchestrationQueued(4, 2, { priority: 9 }, queuedAt(44));
      expect(admittedIds(decideAdmissions(givenScheduler(oldLow, earlierHigh), one, minutes(44)))).toEqual([ids.task(4)]);
    });

    it('starvation-free: a priority-p task outranks every task queued more than priorityAgingS × (9 − p) after it', () => {
      for (const priority of [0, 4, 8]) {
        const lag = (rules.priorityAgingS / 60) * (9 - priority);
        const waiting = factory.orchestrationQueued(2, 1, { priority }, queuedAt(0));
        const later = factory.orchestrationQueued(3, 2, { priority: 9 }, queuedAt(lag + 1));
        for (const at of [lag + 1, lag + 7, lag + 600]) {
          expect(effectivePriority(givenScheduler(waiting).queue[0]!, rules, minutes(at).getTime())).toBeGreaterThanOrEqual(effectivePriority(givenScheduler(later).queue[0]!, rules, minutes(at).getTime()));
          expect(admittedIds(decideAdmissions(givenScheduler(later, waiting), one, minutes(at)))).toEqual([ids.task(2)]);
        }
      }
    });
  });

  describe('dependencies: a queued task waits for its blockers', () => {
    it('given a task queued waiting for a blocker, when a slot is free, then it is not admitted but the next one is', () => {
      const scheduler = givenScheduler(factory.orchestrationQueued(2, 1, { priority: 9, waitingOn: [ids.task(7)] }), factory.orchestrationQueued(3, 2, { priority: 1 }));
      expect(decideAdmissions(scheduler, rules, now).map((item) => item.data.taskId)).toEqual([ids.task(3)]);
    });

    it('given a task queued waiting for its blocker, when the blocker is done, then it is unblocked and admitted', () => {
      const scheduler = givenScheduler(factory.orchestrationQueued(2, 1, { waitingOn: [ids.task(7)] }));
      const drafts = decideBlockerDone(ids.task(7), scheduler, rules, now);
      expect(drafts.map((item) => [item.type, item.data.taskId])).toEqual([
        ['OrchestrationUnblocked', ids.task(2)],
        ['OrchestrationAdmitted', ids.task(2)],
      ]);
      const after = givenScheduler(factory.orchestrationQueued(2, 1, { waitingOn: [ids.task(7)] }), factory.orchestrationUnblocked(2, 7));
      expect(after.queue[0]?.waitingOn).toEqual([]);
    });

    it('given a task waiting for two blockers, when one is done, then it stays queued waiting for the other', () => {
      const scheduler = givenScheduler(factory.orchestrationQueued(2, 1, { waitingOn: [ids.task(7), ids.task(8)] }));
      expect(types(decideBlockerDone(ids.task(7), scheduler, rules, now))).toEqual(['OrchestrationUnblocked']);
    });

    it('given a start with an open blocker and a free slot, then it is queued waiting for it, naming it', () => {
      const request: AdmissionRequest = { taskId: ids.task(1), orchestrationId: ids.orchestration(1), queue: { priority: 5, projectId: null, projectMaxConcurrent: null, waitingOn: [ids.task(7)] } };
      expect(decideAdmission(request, givenScheduler(), rules, now)).toEqual([
        expect.objectContaining({ type: 'OrchestrationQueued', data: expect.objectContaining({ position: 1, waitingOn: [ids.task(7)] }) }),
      ]);
    });
  });

  describe('per-project limits beside the global one', () => {
    const shop = ids.task(100);
    const blog = ids.task(101);
    const facts = (projectId: string, projectMaxConcurrent: number | null): QueueFacts => ({ priority: 5, projectId, projectMaxConcurrent, waitingOn: [] });
    const start = (task: number, queue: QueueFacts): AdmissionRequest => ({ taskId: ids.task(task), orchestrationId: ids.orchestration(task), queue });
    const wide = { ...rules, maxConcurrent: 3 };

    it('given a project with maxConcurrent 1 running one task, when another of its tasks starts, then it is queued though global slots are free', () => {
      const scheduler = givenScheduler(factory.orchestrationAdmitted(1, { projectId: shop, projectMaxConcurrent: 1 }));
      expect(types(decideAdmission(start(2, facts(shop, 1)), scheduler, wide, now))).toEqual(['OrchestrationQueued']);
      expect(types(decideAdmission(start(3, facts(blog, 1)), scheduler, wide, now))).toEqual(['OrchestrationAdmitted']);
    });

    it('given the project at its limit first in the queue, when slots free, then a task of another project behind it is admitted', () => {
      const scheduler = givenScheduler(
        factory.orchestrationAdmitted(1, { projectId: shop, projectMaxConcurrent: 1 }),
        factory.orchestrationQueued(2, 1, { priority: 9, projectId: shop, projectMaxConcurrent: 1 }),
        factory.orchestrationQueued(3, 2, { priority: 1, projectId: blog, projectMaxConcurrent: null }),
      );
      expect(decideAdmissions(scheduler, wide, now).map((item) => item.data.taskId)).toEqual([ids.task(3)]);
    });

    it('given the project limit is not reached but the global one is, then nothing is admitted', () => {
      const scheduler = givenScheduler(
        factory.orchestrationAdmitted(1, { projectId: blog }),
        factory.orchestrationAdmitted(4, { projectId: blog }),
        factory.orchestrationQueued(2, 1, { projectId: shop, projectMaxConcurrent: 2 }),
      );
      expect(decideAdmissions(scheduler, rules, now)).toEqual([]);
    });

    it('given the project task running ends, then its next task is admitted (and the limit the latest start carried holds)', () => {
      const scheduler = givenScheduler(
        factory.orchestrationAdmitted(1, { projectId: shop, projectMaxConcurrent: 1 }),
        factory.orchestrationQueued(2, 1, { projectId: shop, projectMaxConcurrent: 1 }),
        factory.orchestrationQueued(3, 2, { projectId: shop, projectMaxConcurrent: 1 }),
      );
      expect(decideRelease(factory.orchestrationCompleted(1), givenTask(factory.taskCreated(), factory.orchestrationStarted(), factory.orchestrationCompleted(1)), scheduler, wide, now).map((item) => [item.type, item.data.taskId])).toEqual([
        ['OrchestrationReleased', ids.task(1)],
        ['OrchestrationAdmitted', ids.task(2)],
      ]);
      const raised = givenScheduler(factory.orchestrationAdmitted(1, { projectId: shop, projectMaxConcurrent: 1 }), factory.orchestrationQueued(2, 1, { projectId: shop, projectMaxConcurrent: 2 }));
      expect(raised.projectLimits[shop]).toBe(2);
      expect(decideAdmissions(raised, wide, now).map((item) => item.data.taskId)).toEqual([ids.task(2)]);
    });
  });

  describe('dispatch paused per credential while a rate or usage limit lasts (the clock injected)', () => {
    const RESET = '2026-11-24T14:05:00.000Z';
    const wide = { ...rules, maxConcurrent: 3 };
    const parked = factory.stageParked({}, { limit: 'usage-limit', resetAt: RESET });
    /** task 1 holds a slot, its stage parked until 14:05; the pause recorded */
    const pausedScheduler = (...more: Parameters<typeof givenScheduler>) => givenScheduler(factory.orchestrationAdmitted(1), factory.credentialPaused(RESET), ...more);

    it('given a stage parked until 14:05, when its retry is decided, then the credential is paused until 14:05 (a later park of it extends, an earlier one does not)', () => {
      const [retry] = decideStageParked(parked, givenTask(...running(), parked), rules, now);
      if (retry?.type !== 'StageRetryScheduled') throw new Error('expected the park to schedule the next attempt');
      expect(decidePause(parked, retry.data.retryAt, givenScheduler(factory.orchestrationAdmitted(1)))).toEqual([
        { type: 'CredentialPaused', data: { credential: 'default', until: RESET, taskId: ids.task(1), limit: 'usage-limit' } },
      ]);
      expect(decidePause(parked, '2026-11-24T14:00:00.000Z', pausedScheduler())).toEqual([]);
      expect(decidePause(parked, '2026-11-24T14:10:00.000Z', pausedScheduler())).toEqual([expect.objectContaining({ data: expect.objectContaining({ until: '2026-11-24T14:10:00.000Z' }) })]);
    });

    it('given a stop at the budget cap, then no credential is paused (it is no limit of the API)', () => {
      const budget = factory.stageParked({}, { limit: 'budget', resetAt: null });
      expect(decidePause(budget, RESET, givenScheduler())).toEqual([]);
    });

    it('given the credential is paused, when another task is started with a slot free, then it is queued, not admitted', () => {
      const drafts = decideAdmission(startable(factory.startOrchestration(2), givenTask(factory.taskCreated(2))), pausedScheduler(), wide, now);
      expect(drafts).toEqual([expect.objectContaining({ type: 'OrchestrationQueued', data: expect.objectContaining({ taskId: ids.task(2), position: 1 }) })]);
    });

    it('given the credential is paused, when a slot is released, then no queued task is admitted before the reset', () => {
      const scheduler = pausedScheduler(factory.orchestrationAdmitted(2), factory.orchestrationQueued(3, 1), factory.orchestrationQueued(4, 2));
      const drafts = decideRelease(factory.orchestrationCompleted(2), givenTask(factory.taskCreated(2), factory.orchestrationStarted(2), factory.orchestrationCompleted(2)), scheduler, wide, now);
      expect(types(drafts)).toEqual(['OrchestrationReleased']);
      expect(decideAdmissions(scheduler, wide, new Date('2026-11-24T14:04:59.999Z'))).toEqual([]);
    });

    it('given the reset comes, then the parked stage runs again in the slot it kept, and the held tasks are admitted after it, in order', () => {
      const atReset = new Date(RESET);
      const [retry] = decideStageParked(parked, givenTask(...running(), parked), rules, now);
      if (retry?.type !== 'StageRetryScheduled') throw new Error('expected the park to schedule the next attempt');
      const task = givenTask(...running(), parked, factory.caused(parked, 'StageRetryScheduled', ids.task(1), retry.data, { producer: 'spec', occurredAt: now.toISOString() }));
      expect(decideRetryDue(task, atReset)).toEqual([expect.objectContaining({ type: 'StageScheduled', data: expect.objectContaining({ attempt: 2 }) })]);
      const scheduler = pausedScheduler(factory.orchestrationQueued(3, 1), factory.orchestrationQueued(4, 2));
      // task 1 still holds its slot: the two free ones go to the queue in its order
      expect(decideAdmissions(scheduler, wide, atReset).map((item) => [item.type, item.data.taskId])).toEqual([
        ['OrchestrationAdmitted', ids.task(3)],
        ['OrchestrationAdmitted', ids.task(4)],
      ]);
    });

    it('given another credential is paused, then this orchestrator\'s queue is admitted as usual', () => {
      const scheduler = givenScheduler(factory.orchestrationAdmitted(1), factory.credentialPaused(RESET, 'team-b'), factory.orchestrationQueued(3, 1));
      expect(decideAdmissions(scheduler, wide, now).map((item) => item.data.taskId)).toEqual([ids.task(3)]);
      const drafts = decideAdmission(startable(factory.startOrchestration(2), givenTask(factory.taskCreated(2))), givenScheduler(factory.credentialPaused(RESET, 'team-b')), wide, now);
      expect(types(drafts)).toEqual(['OrchestrationAdmitted']);
    });

    it('given two pauses of the credential, then the later until wins whatever their order', () => {
      const folded = givenScheduler(factory.credentialPaused('2026-11-24T14:10:00.000Z'), factory.credentialPaused(RESET, 'default', 2));
      expect(folded.pausedCredentials).toEqual({ default: Date.parse('2026-11-24T14:10:00.000Z') });
    });
  });
});
