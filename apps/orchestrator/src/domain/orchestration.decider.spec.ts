import type { OrchEvent } from '@app/contracts';
import { factory, ids } from '@app/testing';
import type { Draft } from './decision';
import type { OrchestrationRules } from './orchestration.config';
import {
  decideAdmissions,
  decideAdmitted,
  decideCancel,
  decideDeadline,
  decideLeaseLost,
  decideRelease,
  decideRetryDue,
  decideRetryStage,
  decideStageCompleted,
  decideStageFailed,
  decideStart,
  decideStartDeadline,
  reactToEvent,
  stageIdFor,
} from './orchestration.decider';
import { evolveScheduler, initialSchedulerState, type SchedulerState } from './scheduler.state';
import { evolveTask, initialTaskState, type TaskState } from './task.state';

const rules: OrchestrationRules = {
  enabled: true,
  maxConcurrent: 2,
  maxRetries: 2,
  maxRework: 1,
  stageTimeoutS: { specification: 1800, implementation: 3600, qa: 1800 },
  leaseTtlS: 120,
  retryBackoffBaseMs: 1_000,
  retryBackoffMaxMs: 5_000,
};
const now = new Date('2026-11-24T10:00:00.000Z');

const givenTask = (...events: OrchEvent[]): TaskState => events.reduce(evolveTask, initialTaskState(ids.task(1)));
const givenScheduler = (...events: OrchEvent[]): SchedulerState => events.reduce(evolveScheduler, initialSchedulerState);
const types = (drafts: Draft[]) => drafts.map((item) => item.type);

/** A task that went through admission and is running `stageType`. */
const running = (stageType: 'specification' | 'implementation' | 'qa' = 'specification', attempt = 1) => [
  factory.taskCreated(),
  factory.orchestrationStarted(),
  factory.stageScheduled({ stageType, attempt }),
  factory.stageStarted({ stageType, attempt }),
];

describe('orchestration decider', () => {
  describe('admission: limit and FIFO queue', () => {
    it('given a free slot, when a task is started, then it is admitted', () => {
      const drafts = decideStart(factory.startOrchestration(1), givenTask(factory.taskCreated()), givenScheduler(), rules);
      expect(drafts).toEqual([{ type: 'OrchestrationAdmitted', aggregateId: 'scheduler', data: { taskId: ids.task(1), orchestrationId: expect.any(String) } }]);
    });

    it('given the limit is reached, when a task is started, then it is queued behind the others with its position', () => {
      const scheduler = givenScheduler(factory.orchestrationAdmitted(2), factory.orchestrationAdmitted(3), factory.orchestrationQueued(4, 1));
      const drafts = decideStart(factory.startOrchestration(1), givenTask(factory.taskCreated()), scheduler, rules);
      expect(drafts).toEqual([expect.objectContaining({ type: 'OrchestrationQueued', data: expect.objectContaining({ taskId: ids.task(1), position: 2 }) })]);
    });

    it('given a task already queued, when it is started again, then nothing is decided', () => {
      const scheduler = givenScheduler(factory.orchestrationQueued(1, 1));
      expect(decideStart(factory.startOrchestration(1), givenTask(factory.taskCreated()), scheduler, rules)).toEqual([]);
    });

    it.each([
      ['the feature flag is off', { ...rules, enabled: false }, [factory.taskCreated()], /ORCHESTRATOR_ENABLED=false/],
      ['the task does not exist', rules, [], /does not exist/],
      ['the task is done', rules, [factory.taskCreated(), factory.orchestrationStarted(), factory.orchestrationCompleted()], /already done/],
    ])('given %s, when a task is started, then it is rejected with the reason', (_case, ruleSet, events, reason) => {
      const drafts = decideStart(factory.startOrchestration(1), givenTask(...events), givenScheduler(), ruleSet);
      expect(types(drafts)).toEqual(['OrchestrationRejected']);
      expect(drafts[0]?.type === 'OrchestrationRejected' && drafts[0].data.reason).toMatch(reason);
    });

    it('given a running task ends, then its slot is released and the head of the queue admitted, in order', () => {
      const scheduler = givenScheduler(factory.orchestrationAdmitted(1), factory.orchestrationAdmitted(2), factory.orchestrationQueued(3, 1), factory.orchestrationQueued(4, 2));
      const drafts = decideRelease(factory.orchestrationCompleted(1), scheduler, rules);
      expect(drafts.map((item) => [item.type, 'taskId' in item.data ? item.data.taskId : null])).toEqual([
        ['OrchestrationReleased', ids.task(1)],
        ['OrchestrationAdmitted', ids.task(3)],
      ]);
    });

    it('given free slots and a queue, then admissions fill exactly the free slots', () => {
      const scheduler = givenScheduler(factory.orchestrationQueued(1, 1), factory.orchestrationQueued(2, 2), factory.orchestrationQueued(3, 3));
      expect(decideAdmissions(scheduler, rules).map((item) => 'taskId' in item.data && item.data.taskId)).toEqual([ids.task(1), ids.task(2)]);
    });
  });

  describe('stages and context', () => {
    it('given an admitted task, then it starts with the specification, given the task as context', () => {
      const drafts = decideAdmitted(factory.orchestrationAdmitted(1), givenTask(factory.taskCreated(1, { title: 'Add login', description: 'OAuth' })));
      expect(types(drafts)).toEqual(['OrchestrationStarted', 'StageScheduled']);
      expect(drafts[1]).toMatchObject({ data: { stageType: 'specification', attempt: 1, round: 0, context: { taskTitle: 'Add login', taskDescription: 'OAuth' } } });
    });

    it('given the specification completed, then implementation is scheduled with the spec as its context', () => {
      const completed = factory.stageCompleted({}, { output: 'THE SPEC' });
      const drafts = decideStageCompleted(completed, givenTask(...running('specification'), completed), rules);
      expect(drafts).toEqual([expect.objectContaining({ type: 'StageScheduled', data: expect.objectContaining({ stageType: 'implementation', context: expect.objectContaining({ specification: 'THE SPEC' }) }) })]);
    });

    it('given implementation completed, then QA gets the spec, the summary and the diff stat', () => {
      const events = [
        factory.taskCreated(),
        factory.orchestrationStarted(),
        factory.stageScheduled({ stageType: 'implementation' }, { context: { taskTitle: 'T', taskDescription: 'D', specification: 'SPEC' } }),
        factory.stageStarted({ stageType: 'implementation' }),
      ];
      const completed = factory.stageCompleted({ stageType: 'implementation' }, { output: 'DONE', diffStat: { files: 2, insertions: 10, deletions: 1 } });
      const drafts = decideStageCompleted(completed, givenTask(...events, completed), rules);
      expect(drafts[0]).toMatchObject({
        type: 'StageScheduled',
        data: { stageType: 'qa', context: { specification: 'SPEC', implementationSummary: 'DONE', diffStat: { files: 2, insertions: 10, deletions: 1 } } },
      });
    });

    it('given a specification and a summary that together pass a NATS message, then QA gets both cut to fit, each with a note', () => {
      // given a 600 KB specification, then an implementation answering with 600 KB more
      const spec = 'S'.repeat(600_000);
      const events = [
        factory.taskCreated(),
        factory.orchestrationStarted(),
        factory.stageScheduled({ stageType: 'implementation' }, { context: { taskTitle: 'T', taskDescription: 'D', specification: spec } }),
        factory.stageStarted({ stageType: 'implementation' }),
      ];
      const completed = factory.stageCompleted({ stageType: 'implementation' }, { output: 'I'.repeat(600_000) });

      // when the implementation's completion is decided
      const drafts = decideStageCompleted(completed, givenTask(...events, completed), rules);

      // then QA is scheduled with a context of at most 640 KiB of outputs, both cut and saying so
      const scheduled = drafts[0];
      if (scheduled?.type !== 'StageScheduled') throw new Error(`expected StageScheduled, got ${scheduled?.type}`);
      const { specification = '', implementationSummary = '' } = scheduled.data.context;
      expect(Buffer.byteLength(JSON.stringify(specification)) + Buffer.byteLength(JSON.stringify(implementationSummary))).toBeLessThanOrEqual(640 * 1024);
      expect(specification).toMatch(/^S{300000}/);
      expect(specification).toMatch(/more characters of the specification left out/);
      expect(implementationSummary).toMatch(/more characters of the implementation summary left out/);
    });

    it('given QA passed, then the orchestration completes', () => {
      const completed = factory.stageCompleted({ stageType: 'qa' });
      expect(types(decideStageCompleted(completed, givenTask(...running('qa'), completed), rules))).toEqual(['OrchestrationCompleted']);
    });

    it('given QA failed with findings and rework remains, then implementation runs again with the findings', () => {
      const completed = factory.stageCompleted({ stageType: 'qa' }, { verdict: { verdict: 'fail', findings: ['no tests'] } });
      const drafts = decideStageCompleted(completed, givenTask(...running('qa'), completed), rules);
      expect(types(drafts)).toEqual(['ReworkRequested', 'StageScheduled']);
      expect(drafts[1]).toMatchObject({
        data: { stageType: 'implementation', round: 1, stageId: stageIdFor(ids.orchestration(1), 'implementation', 1), context: { reviewFindings: ['no tests'] } },
      });
    });

    it('given QA failed and the rework budget is spent, then the task fails with the findings as reason', () => {
      const events = [...running('qa'), factory.stageScheduled({ stageType: 'qa', round: 1 }), factory.stageStarted({ stageType: 'qa', round: 1 })];
      const completed = factory.stageCompleted({ stageType: 'qa', round: 1 }, { verdict: { verdict: 'fail', findings: ['still no tests'] } });
      const task = givenTask(...events, completed);
      expect(task.round).toBe(1);
      const drafts = decideStageCompleted(completed, task, rules);
      expect(drafts).toEqual([expect.objectContaining({ type: 'OrchestrationFailed', data: expect.objectContaining({ reason: expect.stringContaining('still no tests') }) })]);
    });

    it('given a completion for an older attempt, then nothing is decided', () => {
      const events = running('specification', 2);
      const stale = factory.stageCompleted({ attempt: 1 });
      expect(decideStageCompleted(stale, givenTask(...events, stale), rules)).toEqual([]);
    });
  });

  describe('failures, retries and deadlines', () => {
    it('given a retryable failure with retries left, then a retry is scheduled with exponential backoff', () => {
      const failed = factory.stageFailed({ attempt: 2 });
      const drafts = decideStageFailed(failed, givenTask(...running('specification', 2), failed), rules, now);
      expect(drafts).toEqual([expect.objectContaining({ type: 'StageRetryScheduled', data: expect.objectContaining({ nextAttempt: 3, delayMs: 2_000, retryAt: '2026-11-24T10:00:02.000Z' }) })]);
    });

    it('given the retries are spent, then the task fails naming the attempts and the last reason', () => {
      const failed = factory.stageFailed({ attempt: 3 }, { reason: 'boom' });
      const drafts = decideStageFailed(failed, givenTask(...running('specification', 3), failed), rules, now);
      expect(drafts).toEqual([expect.objectContaining({ type: 'OrchestrationFailed', data: expect.objectContaining({ reason: 'specification failed 3 times; last: boom' }) })]);
    });

    it('given a non-retryable failure, then the task fails at once with that reason', () => {
      const failed = factory.stageFailed({}, { retryable: false, reason: 'the API key was refused' });
      const drafts = decideStageFailed(failed, givenTask(...running(), failed), rules, now);
      expect(drafts).toEqual([expect.objectContaining({ type: 'OrchestrationFailed', data: expect.objectContaining({ reason: 'specification failed: the API key was refused' }) })]);
    });

    it('given a timed-out stage, then it is retried like a failure', () => {
      const timedOut = factory.stageTimedOut();
      expect(types(decideStageFailed(timedOut, givenTask(...running(), timedOut), rules, now))).toEqual(['StageRetryScheduled']);
    });

    it('given a scheduled retry whose backoff passed, then the stage is scheduled as its next attempt', () => {
      const failed = factory.stageFailed();
      const retry = factory.caused(failed, 'StageRetryScheduled', ids.task(1), {
        ...failed.data,
        nextAttempt: 2,
        delayMs: 1_000,
        retryAt: '2026-11-24T10:00:01.000Z',
      }, { producer: 'spec', occurredAt: now.toISOString() });
      const task = givenTask(...running(), failed, retry);
      expect(decideRetryDue(task, now)).toEqual([]);
      const drafts = decideRetryDue(task, new Date('2026-11-24T10:00:01.000Z'));
      expect(drafts).toEqual([expect.objectContaining({ type: 'StageScheduled', data: expect.objectContaining({ stageType: 'specification', attempt: 2 }) })]);
    });

    it('given a running attempt past its deadline, then it is timed out with the reason', () => {
      const drafts = decideDeadline(givenTask(...running()), ids.stage(), 1, now, 'the runner stopped heartbeating');
      expect(drafts).toEqual([expect.objectContaining({ type: 'StageTimedOut', data: expect.objectContaining({ attempt: 1, reason: 'the runner stopped heartbeating' }) })]);
    });

    it('given the attempt already completed, when its deadline fires, then nothing happens (the result won)', () => {
      const completed = factory.stageCompleted();
      expect(decideDeadline(givenTask(...running(), completed), ids.stage(), 1, now, 'late')).toEqual([]);
    });

    it('given an attempt scheduled and never started, when its stage timeout has passed since it was scheduled, then it is timed out naming why', () => {
      // given the specification scheduled at 10:00 (factory time), timeout 1800 s, no StageStarted
      const task = givenTask(factory.taskCreated(), factory.orchestrationStarted(), factory.stageScheduled());

      // when its start deadline is checked before and after 10:30
      const early = decideStartDeadline(task, ids.stage(), 1, new Date('2026-11-24T10:29:59.000Z'), rules);
      const due = decideStartDeadline(task, ids.stage(), 1, new Date('2026-11-24T10:30:00.000Z'), rules);

      // then nothing before, a StageTimedOut after
      expect(early).toEqual([]);
      expect(due).toEqual([
        expect.objectContaining({
          type: 'StageTimedOut',
          data: expect.objectContaining({ attempt: 1, deadlineAt: '2026-11-24T10:30:00.000Z', reason: "no runner started the attempt within the stage's 1800 s" }),
        }),
      ]);
    });

    it('given the attempt started meanwhile, when its start deadline passes, then nothing happens (its own deadline holds)', () => {
      expect(decideStartDeadline(givenTask(...running()), ids.stage(), 1, new Date('2026-11-24T11:00:00.000Z'), rules)).toEqual([]);
    });

    it('given the lease under a running attempt is revoked, then the attempt fails, retryably', () => {
      const drafts = decideLeaseLost(factory.leaseRevoked(), givenTask(...running()), now);
      expect(drafts).toEqual([expect.objectContaining({ type: 'StageFailed', data: expect.objectContaining({ retryable: true, reason: expect.stringContaining('container was lost') }) })]);
    });
  });

  describe('re-stored duplicates (the same envelope id stored twice)', () => {
    it("given the specification's StageScheduled stored again after implementation was scheduled, then the task stays in implementation", () => {
      // given a task in implementation, and the spec's StageScheduled re-published without its Nats-Msg-Id
      const specScheduled = factory.stageScheduled();
      const task = givenTask(
        factory.taskCreated(),
        factory.orchestrationStarted(),
        specScheduled,
        factory.stageStarted(),
        factory.stageCompleted({}, { output: 'SPEC' }),
        factory.stageScheduled({ stageType: 'implementation' }),
        factory.stageStarted({ stageType: 'implementation' }),
        specScheduled,
      );

      // then the current stage is still the running implementation
      expect(task.currentStageId).toBe(ids.stage('implementation'));
      expect(task.stages[ids.stage('implementation')]?.status).toBe('running');
    });

    it('given an admission re-stored after its release, then the slot stays free', () => {
      const admitted = factory.orchestrationAdmitted(1);
      const scheduler = givenScheduler(admitted, factory.orchestrationReleased(1), admitted);
      expect(scheduler.running).toEqual([]);
      expect(decideAdmissions(givenScheduler(admitted, factory.orchestrationReleased(1), admitted, factory.orchestrationQueued(2, 1)), rules)).toEqual([
        expect.objectContaining({ type: 'OrchestrationAdmitted', data: expect.objectContaining({ taskId: ids.task(2) }) }),
      ]);
    });
  });

  describe('cancel and retry from the API', () => {
    it('given a running task, when it is cancelled, then its attempt and the orchestration are cancelled', () => {
      const drafts = decideCancel(factory.cancelOrchestration(), givenTask(...running()), null, now);
      expect(types(drafts)).toEqual(['StageCancelled', 'OrchestrationCancelled']);
    });

    it('given a queued task, when it is cancelled, then only the orchestration is cancelled', () => {
      const queued = { taskId: ids.task(1), orchestrationId: ids.orchestration(1) };
      expect(types(decideCancel(factory.cancelOrchestration(), givenTask(factory.taskCreated()), queued, now))).toEqual(['OrchestrationCancelled']);
    });

    it('given a task that is neither running nor queued, when it is cancelled, then it is rejected', () => {
      expect(types(decideCancel(factory.cancelOrchestration(), givenTask(factory.taskCreated()), null, now))).toEqual(['OrchestrationRejected']);
    });

    const failedTask = () => {
      const failed = factory.stageFailed({ stageType: 'implementation' }, { retryable: false });
      return givenTask(
        factory.taskCreated(),
        factory.orchestrationStarted(),
        factory.stageScheduled({ stageType: 'implementation' }),
        factory.stageStarted({ stageType: 'implementation' }),
        failed,
        factory.caused(failed, 'OrchestrationFailed', ids.task(1), { taskId: ids.task(1), orchestrationId: ids.orchestration(1), reason: 'x', failedAt: now.toISOString() }, { producer: 'spec', occurredAt: now.toISOString() }),
      );
    };

    it('given a failed stage, when it is retried, then the task goes back through admission', () => {
      expect(types(decideRetryStage(factory.retryStage(1, 'implementation'), failedTask(), givenScheduler(), rules))).toEqual(['OrchestrationAdmitted']);
    });

    it('given a retried task is admitted again, then it resumes with the failed stage as its next attempt', () => {
      const drafts = decideAdmitted(factory.orchestrationAdmitted(1), failedTask());
      expect(types(drafts)).toEqual(['OrchestrationResumed', 'StageScheduled']);
      expect(drafts[1]).toMatchObject({ data: { stageType: 'implementation', attempt: 2 } });
    });

    it('given a stage that did not fail, when it is retried, then it is rejected with the reason', () => {
      const drafts = decideRetryStage(factory.retryStage(1, 'specification'), givenTask(...running()), givenScheduler(), rules);
      expect(drafts).toEqual([expect.objectContaining({ type: 'OrchestrationRejected', data: expect.objectContaining({ reason: expect.stringContaining('is running') }) })]);
    });
  });

  describe('the saga: commands from events', () => {
    it('given a stage was scheduled, then a lease is asked for', () => {
      const scheduled = factory.stageScheduled();
      expect(reactToEvent(scheduled, givenTask(factory.taskCreated(), factory.orchestrationStarted(), scheduled), 3, rules)).toEqual([
        expect.objectContaining({ type: 'AcquireLease', data: expect.objectContaining({ stageId: ids.stage(), attempt: 1, ttlS: 120 }) }),
      ]);
    });

    it('given a lease was granted for the waiting stage, then the stage is run on it against the task sequence', () => {
      const granted = factory.leaseGranted();
      const drafts = reactToEvent(granted, givenTask(factory.taskCreated(), factory.orchestrationStarted(), factory.stageScheduled()), 7, rules);
      expect(drafts).toEqual([expect.objectContaining({ type: 'RunStage', data: expect.objectContaining({ expectedTaskSequence: 7, timeoutS: 1800, lease: factory.lease() }) })]);
    });

    it('given a lease was granted for a task that was cancelled, then the lease is released', () => {
      const cancelled = decideCancel(factory.cancelOrchestration(), givenTask(factory.taskCreated(), factory.orchestrationStarted(), factory.stageScheduled()), null, now);
      const task = cancelled.reduce((state, item) => evolveTask(state, factory.caused(factory.cancelOrchestration(), item.type, ids.task(1), item.data as never, { producer: 'spec', occurredAt: now.toISOString() }, item.type) as OrchEvent), givenTask(factory.taskCreated(), factory.orchestrationStarted(), factory.stageScheduled()));
      expect(types(reactToEvent(factory.leaseGranted(), task, 9, rules))).toEqual(['ReleaseLease']);
    });

    it('given a stage failed, then its run is cancelled and its lease released', () => {
      const failed = factory.stageFailed();
      expect(types(reactToEvent(failed, givenTask(...running(), failed), 9, rules))).toEqual(['CancelRun', 'ReleaseLease']);
    });

    describe('a task keeps its container from stage to stage', () => {
      /** specification done on lease 1, implementation scheduled on it */
      const handedOver = () => {
        const next = factory.stageScheduled({ stageType: 'implementation' });
        return { next, events: [...running('specification'), factory.stageCompleted({ stageType: 'specification' }), next] };
      };

      it('given a stage completed, then nothing is sent: its lease is not released', () => {
        const completed = factory.stageCompleted();
        expect(reactToEvent(completed, givenTask(...running(), completed), 9, rules)).toEqual([]);
      });

      it('given the next stage is scheduled while the task holds a lease, then it runs on that lease at once, without asking the pool', () => {
        const { next, events } = handedOver();
        expect(reactToEvent(next, givenTask(...events), 11, rules)).toEqual([
          expect.objectContaining({
            type: 'RunStage',
            data: expect.objectContaining({ stageType: 'implementation', expectedTaskSequence: 11, lease: factory.lease(), timeoutS: 3600 }),
          }),
        ]);
      });

      it('given an attempt failed, then its retry asks the pool for a new lease (the old container may be the cause)', () => {
        const failed = factory.stageFailed();
        const retry = factory.stageScheduled({ attempt: 2 });
        expect(types(reactToEvent(retry, givenTask(...running(), failed, retry), 9, rules))).toEqual(['AcquireLease']);
      });

      it('given the task completes, then the lease it held is released', () => {
        const qa = factory.stageCompleted({ stageType: 'qa' });
        const done = factory.orchestrationCompleted();
        expect(reactToEvent(done, givenTask(...running('qa'), qa, done), 12, rules)).toEqual([
          expect.objectContaining({ type: 'ReleaseLease', data: expect.objectContaining({ leaseId: factory.lease().leaseId }) }),
        ]);
      });

      it('given the task is cancelled between two stages, then the held lease is released with the cancelled attempt', () => {
        const { events } = handedOver();
        const cancelled = factory.stageCancelled({ stageType: 'implementation' });
        const task = givenTask(...events, cancelled);
        expect(reactToEvent(cancelled, task, 12, rules)).toEqual([
          expect.objectContaining({ type: 'CancelRun' }),
          expect.objectContaining({ type: 'ReleaseLease', data: expect.objectContaining({ leaseId: factory.lease().leaseId }) }),
        ]);
        expect(reactToEvent(factory.orchestrationCancelled(), evolveTask(task, factory.orchestrationCancelled()), 13, rules)).toEqual([]);
      });

      it('given the held lease is revoked before the next stage started, then that attempt fails retryably', () => {
        const { events } = handedOver();
        const drafts = decideLeaseLost(factory.leaseRevoked(), givenTask(...events), now);
        expect(drafts).toEqual([expect.objectContaining({ type: 'StageFailed', data: expect.objectContaining({ stageType: 'implementation', retryable: true }) })]);
      });
    });

    it('given a heartbeat of the running attempt, then its lease is renewed', () => {
      expect(types(reactToEvent(factory.runHeartbeat(), givenTask(...running()), 9, rules))).toEqual(['RenewLease']);
    });
  });
});
