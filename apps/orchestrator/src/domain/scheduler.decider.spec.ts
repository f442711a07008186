import { factory, ids } from '@app/testing';
import { givenScheduler, givenTask, rules } from './decider.givens';
import { isRejection, type AdmissionRequest } from './decision';
import { decideAdmission, decideAdmissions, decideRelease } from './scheduler.decider';
import { decideStart } from './task.decider';
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
      const drafts = decideAdmission(startable(factory.startOrchestration(1), givenTask(factory.taskCreated())), givenScheduler(), rules);
      expect(drafts).toEqual([{ type: 'OrchestrationAdmitted', data: { taskId: ids.task(1), orchestrationId: expect.any(String) } }]);
    });

    it('given the limit is reached, when a task is started, then it is queued behind the others with its position', () => {
      const scheduler = givenScheduler(factory.orchestrationAdmitted(2), factory.orchestrationAdmitted(3), factory.orchestrationQueued(4, 1));
      const drafts = decideAdmission(startable(factory.startOrchestration(1), givenTask(factory.taskCreated())), scheduler, rules);
      expect(drafts).toEqual([expect.objectContaining({ type: 'OrchestrationQueued', data: expect.objectContaining({ taskId: ids.task(1), position: 2 }) })]);
    });

    it('given a task already queued, when it is started again, then nothing is decided', () => {
      const scheduler = givenScheduler(factory.orchestrationQueued(1, 1));
      expect(decideAdmission(startable(factory.startOrchestration(1), givenTask(factory.taskCreated())), scheduler, rules)).toEqual([]);
    });

    it('given a running task ends, then its slot is released and the head of the queue admitted, in order', () => {
      const scheduler = givenScheduler(factory.orchestrationAdmitted(1), factory.orchestrationAdmitted(2), factory.orchestrationQueued(3, 1), factory.orchestrationQueued(4, 2));
      const drafts = decideRelease(factory.orchestrationCompleted(1), givenTask(factory.taskCreated(), factory.orchestrationStarted(), factory.orchestrationCompleted(1)), scheduler, rules);
      expect(drafts.map((item) => [item.type, item.data.taskId])).toEqual([
        ['OrchestrationReleased', ids.task(1)],
        ['OrchestrationAdmitted', ids.task(3)],
      ]);
    });

    it('given free slots and a queue, then admissions fill exactly the free slots', () => {
      const scheduler = givenScheduler(factory.orchestrationQueued(1, 1), factory.orchestrationQueued(2, 2), factory.orchestrationQueued(3, 3));
      expect(decideAdmissions(scheduler, rules).map((item) => item.data.taskId)).toEqual([ids.task(1), ids.task(2)]);
    });
  });

  describe('re-stored duplicates (the same envelope id stored twice)', () => {
    it('given an admission re-stored after its release, then the slot stays free', () => {
      const admitted = factory.orchestrationAdmitted(1);
      const scheduler = givenScheduler(admitted, factory.orchestrationReleased(1), admitted);
      expect(scheduler.running).toEqual([]);
      expect(decideAdmissions(givenScheduler(admitted, factory.orchestrationReleased(1), admitted, factory.orchestrationQueued(2, 1)), rules)).toEqual([
        expect.objectContaining({ type: 'OrchestrationAdmitted', data: expect.objectContaining({ taskId: ids.task(2) }) }),
      ]);
    });
  });


  describe('retry from the API', () => {
    it('given a failed stage let through by the task, when it is retried, then it is admitted with a key of its own', () => {
      const drafts = decideAdmission({ taskId: ids.task(1), orchestrationId: ids.orchestration(1), key: 'retry:s:1' }, givenScheduler(), rules);
      expect(drafts).toEqual([{ type: 'OrchestrationAdmitted', data: { taskId: ids.task(1), orchestrationId: ids.orchestration(1) }, key: 'retry:s:1' }]);
    });
  });
});
