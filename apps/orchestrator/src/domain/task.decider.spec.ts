import { isTaskEvent, type OrchEvent } from '@app/contracts';
import { factory, ids } from '@app/testing';
import { givenTask, now, rules, running, types } from './decider.givens';
import { isRejection } from './decision';
import { evolveTask, initialTaskState } from './task.state';
import {
  blockerStanding,
  decideAdmitted,
  decideBlockerBroken,
  decideCancel,
  decideDeadline,
  decideLeaseLost,
  decideRetryDue,
  decideRetryStage,
  decideStageCompleted,
  decideStageFailed,
  decideStageParked,
  decideStart,
  decideStartDeadline,
  stageIdFor,
} from './task.decider';

describe('task decider', () => {
  describe('start: refused on the task, else let through to admission', () => {
    it('given a new task, when it is started, then it goes to admission with an orchestration id derived from the command', () => {
      expect(decideStart(factory.startOrchestration(1), givenTask(factory.taskCreated()), rules)).toEqual({ taskId: ids.task(1), orchestrationId: expect.any(String) });
    });

    it.each([
      ['the feature flag is off', { ...rules, enabled: false }, [factory.taskCreated()], /ORCHESTRATOR_ENABLED=false/],
      ['the task does not exist', rules, [], /does not exist/],
      ['the task is done', rules, [factory.taskCreated(), factory.orchestrationStarted(), factory.orchestrationCompleted()], /already done/],
    ])('given %s, when a task is started, then it is rejected with the reason', (_case, ruleSet, events, reason) => {
      const outcome = decideStart(factory.startOrchestration(1), givenTask(...events), ruleSet);
      expect(outcome).toEqual({ rejected: expect.stringMatching(reason) });
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

    it('given an attempt timed out because its runner went silent, when its retries are spent, then the task fails naming the lost heartbeat, not the stage timeout', () => {
      const timedOut = factory.caused(factory.stageStarted({ attempt: 3 }), 'StageTimedOut', ids.task(1), {
        ...factory.stageTimedOut({ attempt: 3 }).data,
        cause: 'heartbeat-lost',
        reason: 'the runner stopped heartbeating (none for 30 s)',
      }, { producer: 'spec', occurredAt: now.toISOString() });
      const drafts = decideStageFailed(timedOut, givenTask(...running('specification', 3), timedOut), rules, now);
      expect(drafts).toEqual([
        expect.objectContaining({ type: 'OrchestrationFailed', data: expect.objectContaining({ reason: 'specification failed 3 times; last: specification timed out: the runner stopped heartbeating (none for 30 s)' }) }),
      ]);
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
      const drafts = decideDeadline(givenTask(...running()), ids.stage(), 1, now, { cause: 'heartbeat-lost', reason: 'the runner stopped heartbeating' });
      expect(drafts).toEqual([expect.objectContaining({ type: 'StageTimedOut', data: expect.objectContaining({ attempt: 1, cause: 'heartbeat-lost', reason: 'the runner stopped heartbeating' }) })]);
    });

    it('given the attempt already completed, when its deadline fires, then nothing happens (the result won)', () => {
      const completed = factory.stageCompleted();
      expect(decideDeadline(givenTask(...running(), completed), ids.stage(), 1, now, { cause: 'deadline', reason: 'late' })).toEqual([]);
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

  describe('parked on the model API\'s rate and usage limits (no retry used)', () => {
    const spec = { producer: 'spec', occurredAt: now.toISOString() };
    /** the retry the decider schedules for a park, stored */
    const storedResume = (parked: ReturnType<typeof factory.stageParked>, task: ReturnType<typeof givenTask>) => {
      const [resume] = decideStageParked(parked, task, rules, now);
      if (resume?.type !== 'StageRetryScheduled') throw new Error('expected the park to schedule the next attempt');
      return factory.caused(parked, 'StageRetryScheduled', ids.task(1), resume.data, spec);
    };

    it('given a usage limit that resets at 14:05, when the stage is parked, then its next attempt is due at 14:05', () => {
      const parked = factory.stageParked({}, { limit: 'usage-limit', resetAt: '2026-11-24T14:05:00.000Z' });
      const drafts = decideStageParked(parked, givenTask(...running(), parked), rules, now);
      expect(drafts).toEqual([
        expect.objectContaining({ type: 'StageRetryScheduled', data: expect.objectContaining({ attempt: 1, nextAttempt: 2, retryAt: '2026-11-24T14:05:00.000Z', delayMs: 4 * 3600_000 + 5 * 60_000 }) }),
      ]);
    });

    it('given a rate limit that named no reset, then it backs off, doubling with each park of the stage', () => {
      const first = factory.stageParked();
      expect(decideStageParked(first, givenTask(...running(), first), rules, now)).toEqual([expect.objectContaining({ data: expect.objectContaining({ delayMs: 60_000 }) })]);
      const second = factory.stageParked({ attempt: 2 });
      const task = givenTask(...running(), first, factory.stageScheduled({ attempt: 2 }), factory.stageStarted({ attempt: 2 }), second);
      expect(decideStageParked(second, task, rules, now)).toEqual([expect.objectContaining({ data: expect.objectContaining({ nextAttempt: 3, delayMs: 120_000 }) })]);
    });

    it('given a parked stage, when the clock reaches its reset time, then it runs again as its next attempt (not before)', () => {
      const parked = factory.stageParked({}, { limit: 'usage-limit', resetAt: '2026-11-24T14:05:00.000Z' });
      const given = [...running(), parked];
      const task = givenTask(...given, storedResume(parked, givenTask(...given)));
      expect(decideRetryDue(task, new Date('2026-11-24T14:04:59.000Z'))).toEqual([]);
      expect(decideRetryDue(task, new Date('2026-11-24T14:05:00.000Z'))).toEqual([expect.objectContaining({ type: 'StageScheduled', data: expect.objectContaining({ stageType: 'specification', attempt: 2 }) })]);
    });

    it('given the retries are spent only counting parked attempts, then a failure is still retried (parks use no retry)', () => {
      // attempts 1 and 2 parked, attempt 3 failed: one failure of the two retries allowed
      const parkedOne = factory.stageParked();
      const parkedTwo = factory.stageParked({ attempt: 2 });
      const failed = factory.stageFailed({ attempt: 3 });
      const task = givenTask(
        ...running(),
        parkedOne,
        factory.stageScheduled({ attempt: 2 }),
        factory.stageStarted({ attempt: 2 }),
        parkedTwo,
        factory.stageScheduled({ attempt: 3 }),
        factory.stageStarted({ attempt: 3 }),
        failed,
      );
      expect(decideStageFailed(failed, task, rules, now)).toEqual([expect.objectContaining({ type: 'StageRetryScheduled', data: expect.objectContaining({ nextAttempt: 4, delayMs: 1_000 }) })]);
    });

    it('given a park of an attempt that is not the running one, then nothing is decided', () => {
      const parked = factory.stageParked({ attempt: 2 });
      expect(decideStageParked(parked, givenTask(...running(), parked), rules, now)).toEqual([]);
    });
  });

  describe('a task keeps its container from stage to stage', () => {
    it('given the held lease is revoked before the next stage started, then that attempt fails retryably', () => {
      const next = factory.stageScheduled({ stageType: 'implementation' });
      const events = [...running('specification'), factory.stageCompleted({ stageType: 'specification' }), next];
      const drafts = decideLeaseLost(factory.leaseRevoked(), givenTask(...events), now);
      expect(drafts).toEqual([expect.objectContaining({ type: 'StageFailed', data: expect.objectContaining({ stageType: 'implementation', retryable: true }) })]);
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

  });

  describe('cancel and retry from the API', () => {
    it('given a running task, when it is cancelled, then its attempt and the orchestration are cancelled', () => {
      const drafts = decideCancel(factory.cancelOrchestration(), givenTask(...running()), null, now);
      expect(isRejection(drafts) ? drafts : types(drafts)).toEqual(['StageCancelled', 'OrchestrationCancelled']);
    });

    it('given a queued task, when it is cancelled, then only the orchestration is cancelled', () => {
      const queued = { taskId: ids.task(1), orchestrationId: ids.orchestration(1) };
      const drafts = decideCancel(factory.cancelOrchestration(), givenTask(factory.taskCreated()), queued, now);
      expect(isRejection(drafts) ? drafts : types(drafts)).toEqual(['OrchestrationCancelled']);
    });

    it('given a task that is neither running nor queued, when it is cancelled, then it is rejected', () => {
      expect(decideCancel(factory.cancelOrchestration(), givenTask(factory.taskCreated()), null, now)).toEqual({ rejected: expect.stringContaining('is not running or queued') });
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
      expect(decideRetryStage(factory.retryStage(1, 'implementation'), failedTask(), rules)).toEqual({
        taskId: ids.task(1),
        orchestrationId: ids.orchestration(1),
        key: expect.stringMatching(/^retry:/),
      });
    });

    it('given a retried task is admitted again, then it resumes with the failed stage as its next attempt', () => {
      const drafts = decideAdmitted(factory.orchestrationAdmitted(1), failedTask());
      expect(types(drafts)).toEqual(['OrchestrationResumed', 'StageScheduled']);
      expect(drafts[1]).toMatchObject({ data: { stageType: 'implementation', attempt: 2 } });
    });

    it('given a stage that did not fail, when it is retried, then it is rejected with the reason', () => {
      const outcome = decideRetryStage(factory.retryStage(1, 'specification'), givenTask(...running()), rules);
      expect(outcome).toEqual({ rejected: expect.stringContaining('is running') });
    });
  });

  describe('dependencies: how a blocker stands, and a blocker breaking', () => {
    const blocker = (...events: OrchEvent[]) => events.filter(isTaskEvent).reduce(evolveTask, initialTaskState(ids.task(7)));
    const created = factory.taskCreated(7);

    it('given a blocker not started, queued or running, then it is open', () => {
      expect(blockerStanding(blocker(created))).toEqual({ kind: 'open' });
      expect(blockerStanding(blocker(created, factory.orchestrationStarted(7)))).toEqual({ kind: 'open' });
    });

    it('given a blocker done without a pull request, then it is done', () => {
      expect(blockerStanding(blocker(created, factory.orchestrationStarted(7), factory.orchestrationCompleted(7)))).toEqual({ kind: 'done' });
    });

    it('given a blocker done whose pull request is open, then it is open until the pull request is merged', () => {
      const done = [created, factory.orchestrationStarted(7), factory.taskPullRequestOpened(7), factory.orchestrationCompleted(7)];
      expect(blockerStanding(blocker(...done))).toEqual({ kind: 'open' });
      expect(blockerStanding(blocker(...done, factory.taskPullRequestClosed(7, 'merged')))).toEqual({ kind: 'done' });
    });

    it('given a blocker approved under approve-result on a forge, then it is open until the pull request its approval opens is merged', () => {
      const remote = { projectId: ids.command(9), url: 'https://github.com/acme/shop.git', credentialRef: 'env:TOKEN', forge: { kind: 'github' as const, apiBaseUrl: null } };
      const approved = [factory.taskCreated(7, { approvalPolicy: 'approve-result', remote }), factory.orchestrationStarted(7), factory.orchestrationCompleted(7)];
      expect(blockerStanding(blocker(...approved))).toEqual({ kind: 'open' });
      expect(blockerStanding(blocker(...approved, factory.taskPullRequestOpened(7)))).toEqual({ kind: 'open' });
      expect(blockerStanding(blocker(...approved, factory.taskPullRequestOpened(7), factory.taskPullRequestClosed(7, 'merged')))).toEqual({ kind: 'done' });
      const pushOnly = [factory.taskCreated(7, { approvalPolicy: 'approve-result', remote: { ...remote, forge: { kind: 'none' as const } } }), factory.orchestrationStarted(7), factory.orchestrationCompleted(7)];
      expect(blockerStanding(blocker(...pushOnly))).toEqual({ kind: 'done' });
    });

    it('given a blocker whose pull request was closed without merging, then it is broken, saying so', () => {
      const closed = blocker(created, factory.orchestrationStarted(7), factory.taskPullRequestOpened(7), factory.orchestrationCompleted(7), factory.taskPullRequestClosed(7, 'closed'));
      expect(blockerStanding(closed)).toEqual({ kind: 'broken', reason: `blocked by task ${ids.task(7)}, which had its pull request closed without merging` });
    });

    it('given a blocker that failed or was cancelled, then it is broken with its own reason', () => {
      expect(blockerStanding(blocker(created, factory.orchestrationStarted(7), factory.orchestrationFailed(7, 'qa failed 3 times')))).toEqual({
        kind: 'broken',
        reason: `blocked by task ${ids.task(7)}, which failed: qa failed 3 times`,
      });
      expect(blockerStanding(blocker(created, factory.orchestrationCancelled(7, 'not wanted')))).toEqual({ kind: 'broken', reason: `blocked by task ${ids.task(7)}, which was cancelled: not wanted` });
      expect(blockerStanding(blocker(created, factory.taskDeleted(7)))).toEqual({ kind: 'broken', reason: `blocked by task ${ids.task(7)}, which was deleted` });
    });

    it('given a queued task, when its blocker broke, then it fails with the blocker\'s reason; once ended, nothing more', () => {
      const drafts = decideBlockerBroken(givenTask(factory.taskCreated(1, { blockedBy: [ids.task(7)] })), ids.orchestration(1), 'blocked by task x, which failed: boom', now);
      expect(drafts).toEqual([{ type: 'OrchestrationFailed', data: { taskId: ids.task(1), orchestrationId: ids.orchestration(1), reason: 'blocked by task x, which failed: boom', failedAt: now.toISOString() } }]);
      expect(decideBlockerBroken(givenTask(factory.taskCreated(1), factory.orchestrationFailed(1)), ids.orchestration(1), 'again', now)).toEqual([]);
    });

    it('given a task created with a priority and blockers, then its state carries them, and a settings change replaces both', () => {
      const task = givenTask(factory.taskCreated(1, { priority: 8, blockedBy: [ids.task(7)] }));
      expect([task.priority, task.blockedBy]).toEqual([8, [ids.task(7)]]);
      const changed = givenTask(factory.taskCreated(1, { priority: 8, blockedBy: [ids.task(7)] }), factory.taskQueueSettingsChanged(1, { priority: 2, blockedBy: [] }));
      expect([changed.priority, changed.blockedBy]).toEqual([2, []]);
      expect(givenTask(factory.taskCreated(1)).priority).toBe(5);
    });
  });
});
