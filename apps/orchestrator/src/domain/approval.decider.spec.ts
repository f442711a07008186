import { contentRevision, type ApprovalPolicy, type OrchEvent } from '@app/contracts';
import { factory, ids } from '@app/testing';
import { givenScheduler, givenTask, now, rules, stored, types } from './decider.givens';
import { isRejection, type TaskDraft } from './decision';
import { react } from './saga';
import { decideAdmission, decideRelease } from './scheduler.decider';
import { admissionAfter, decideAdmitted, decideApproval, decideCancel, decideFollowUp, decideStageCompleted, stageIdFor } from './task.decider';

const SPEC = '# Specification: add login';
const SPEC_REVISION = contentRevision(SPEC);
const QA_COMMIT = 'c0ffee0000000000000000000000000000000000';

/** A task under `policy` whose specification just completed (lease 1 held). */
const specCompleted = (policy: ApprovalPolicy) => [
  factory.taskCreated(1, { approvalPolicy: policy }),
  factory.orchestrationStarted(),
  factory.stageScheduled(),
  factory.stageStarted(),
  factory.stageCompleted({}, { output: SPEC }),
];

/** A task under `policy` whose QA (round `round`) just passed, on commit QA_COMMIT. */
const qaPassed = (policy: ApprovalPolicy, round = 0) => [
  ...specCompleted(policy).slice(0, 5),
  factory.stageScheduled({ stageType: 'implementation', round }, { context: { taskTitle: 'Task 1', taskDescription: 'Do it', specification: SPEC } }),
  factory.stageStarted({ stageType: 'implementation', round }),
  factory.stageCompleted({ stageType: 'implementation', round }, { result: { ...factory.stageCompleted().data.result, sessionId: 'impl-session' } }),
  factory.stageScheduled({ stageType: 'qa', round }),
  factory.stageStarted({ stageType: 'qa', round }),
  factory.stageCompleted({ stageType: 'qa', round }, { diffStat: { files: 1, insertions: 2, deletions: 0, toCommit: QA_COMMIT } }),
];

const waitingAtSpec = () => [...specCompleted('approve-spec'), factory.taskWaiting(1, { kind: 'approval', gate: 'spec', revision: SPEC_REVISION })];
const waitingAtResult = (round = 0) => [...qaPassed('approve-result', round), factory.taskWaiting(1, { kind: 'approval', gate: 'result', revision: QA_COMMIT })];

const decided = (outcome: TaskDraft[] | { rejected: string }): TaskDraft[] => {
  if (isRejection(outcome)) throw new Error(`expected a decision, got the refusal: ${outcome.rejected}`);
  return outcome;
};
const dataOf = <T extends TaskDraft['type']>(drafts: TaskDraft[], type: T) => {
  const found = drafts.find((item) => item.type === type);
  if (found === undefined) throw new Error(`no ${type} in ${types(drafts).join(', ')}`);
  return found.data as Extract<TaskDraft, { type: T }>['data'];
};

describe('approval gates (task decider)', () => {
  describe('waiting', () => {
    it('given a task under approve-spec, when its specification completes, then it waits for approval of the spec revision instead of going on', () => {
      const events = specCompleted('approve-spec');
      const drafts = decideStageCompleted(events[4] as ReturnType<typeof factory.stageCompleted>, givenTask(...events), rules);
      expect(drafts).toEqual([{ type: 'TaskWaiting', data: { taskId: ids.task(1), orchestrationId: ids.orchestration(1), waitingFor: { kind: 'approval', gate: 'spec', revision: SPEC_REVISION }, at: expect.any(String) } }]);
    });

    it('given a task under approve-result, when QA passes, then it waits for approval of the commit after QA (no completion yet)', () => {
      const events = qaPassed('approve-result');
      const drafts = decideStageCompleted(events.at(-1) as ReturnType<typeof factory.stageCompleted>, givenTask(...events), rules);
      expect(drafts).toEqual([expect.objectContaining({ type: 'TaskWaiting', data: expect.objectContaining({ waitingFor: { kind: 'approval', gate: 'result', revision: QA_COMMIT } }) })]);
    });

    it('given a task under approve-spec, when QA passes, then it completes (only its spec gate applies)', () => {
      const events = qaPassed('approve-spec');
      expect(types(decideStageCompleted(events.at(-1) as ReturnType<typeof factory.stageCompleted>, givenTask(...events), rules))).toEqual(['OrchestrationCompleted']);
    });

    it('given a task started waiting, then its held lease is released and its slot given to the head of the queue', () => {
      const task = givenTask(...waitingAtSpec());
      expect(task.status).toBe('waiting');
      expect(react(factory.taskWaiting(), task, 9, rules)).toEqual([expect.objectContaining({ type: 'ReleaseLease', data: expect.objectContaining({ leaseId: factory.lease().leaseId }) })]);
      const scheduler = givenScheduler(factory.orchestrationAdmitted(1), factory.orchestrationAdmitted(2), factory.orchestrationQueued(3, 1));
      expect(decideRelease(factory.taskWaiting(), task, scheduler, rules, now).map((item) => [item.type, item.data.taskId])).toEqual([
        ['OrchestrationReleased', ids.task(1)],
        ['OrchestrationAdmitted', ids.task(3)],
      ]);
      expect(decideRelease(factory.taskWaiting(), task, scheduler, rules, now)[0]).toMatchObject({ data: { outcome: 'waiting' } });
    });
  });

  describe('decisions', () => {
    it('given a task waiting at the spec gate, when alice approves its revision, then the decision is recorded and the wait ends with implementation next, given the spec', () => {
      const drafts = decided(decideApproval(factory.decideApproval(1, { revision: SPEC_REVISION }), givenTask(...waitingAtSpec()), rules, now));
      expect(types(drafts)).toEqual(['TaskDecisionRecorded', 'TaskWaitEnded']);
      expect(dataOf(drafts, 'TaskDecisionRecorded')).toMatchObject({ decision: 'approve', by: 'alice', revision: SPEC_REVISION, gate: 'spec' });
      expect(dataOf(drafts, 'TaskWaitEnded')).toMatchObject({ by: 'alice', next: { stageType: 'implementation', round: 0, context: { specification: SPEC } } });
    });

    it('given a task waiting at the result gate, when it is approved, then it completes', () => {
      const drafts = decided(decideApproval(factory.decideApproval(1, { revision: QA_COMMIT }), givenTask(...waitingAtResult()), rules, now));
      expect(types(drafts)).toEqual(['TaskDecisionRecorded', 'TaskWaitEnded', 'OrchestrationCompleted']);
      expect(dataOf(drafts, 'TaskWaitEnded').next).toBeNull();
    });

    it('given a task waiting on a revision, when a decision names an older one, then it is refused (stale revision)', () => {
      const outcome = decideApproval(factory.decideApproval(1, { revision: contentRevision('an older spec') }), givenTask(...waitingAtSpec()), rules, now);
      expect(outcome).toEqual({ rejected: expect.stringMatching(/^revision [0-9a-f]{64} is not the one task .* waits on/) });
    });

    it('given a running task, when a decision arrives, then it is refused: the task is not waiting', () => {
      const outcome = decideApproval(factory.decideApproval(1, { revision: SPEC_REVISION }), givenTask(...specCompleted('auto')), rules, now);
      expect(outcome).toEqual({ rejected: `task ${ids.task(1)} is running, not waiting for approval` });
    });

    it('given a task waiting at the result gate, when changes are requested with a line comment, then a rework round of implementation is queued with the comment as its finding', () => {
      const comments = [{ body: 'handle the empty list', file: 'src/list.ts', line: 12 }, { body: 'and add a test' }];
      const drafts = decided(decideApproval(factory.decideApproval(1, { decision: 'request-changes', revision: QA_COMMIT, comments }), givenTask(...waitingAtResult()), rules, now));
      expect(types(drafts)).toEqual(['TaskDecisionRecorded', 'ReworkRequested', 'TaskWaitEnded']);
      expect(dataOf(drafts, 'ReworkRequested')).toMatchObject({ round: 1, qaStageId: ids.stage('qa'), findings: ['src/list.ts:12: handle the empty list', 'and add a test'] });
      expect(dataOf(drafts, 'TaskWaitEnded').next).toEqual({
        stageType: 'implementation',
        round: 1,
        context: { taskTitle: 'Task 1', taskDescription: 'Do it', specification: SPEC, reviewFindings: ['src/list.ts:12: handle the empty list', 'and add a test'] },
      });
    });

    it('given a task waiting at the spec gate, when changes are requested, then a new specification round is queued with the comments and the spec it revises', () => {
      const comments = [{ body: 'cover logout too' }];
      const drafts = decided(decideApproval(factory.decideApproval(1, { decision: 'request-changes', revision: SPEC_REVISION, comments }), givenTask(...waitingAtSpec()), rules, now));
      expect(types(drafts)).toEqual(['TaskDecisionRecorded', 'TaskWaitEnded']);
      expect(dataOf(drafts, 'TaskWaitEnded').next).toMatchObject({ stageType: 'specification', round: 1, context: { specification: SPEC, reviewFindings: ['cover logout too'] } });
    });

    it('given the rework rounds are spent (ORCHESTRATOR_MAX_REWORK=1, round 1), when changes are requested, then the task fails naming the limit and the findings', () => {
      const drafts = decided(
        decideApproval(factory.decideApproval(1, { decision: 'request-changes', revision: QA_COMMIT, comments: [{ body: 'still wrong' }] }), givenTask(...waitingAtResult(1)), rules, now),
      );
      expect(types(drafts)).toEqual(['TaskDecisionRecorded', 'TaskWaitEnded', 'OrchestrationFailed']);
      expect(dataOf(drafts, 'OrchestrationFailed').reason).toBe('changes requested by alice after 1 rework rounds, the most ORCHESTRATOR_MAX_REWORK (1) allows; findings: still wrong');
    });

    it('given a waiting task, when it is rejected, then it fails as rejected, naming who and why', () => {
      const drafts = decided(decideApproval(factory.decideApproval(1, { decision: 'reject', revision: SPEC_REVISION, comments: [{ body: 'out of scope' }] }), givenTask(...waitingAtSpec()), rules, now));
      expect(types(drafts)).toEqual(['TaskDecisionRecorded', 'TaskWaitEnded', 'OrchestrationFailed']);
      expect(dataOf(drafts, 'OrchestrationFailed').reason).toBe('rejected by alice at the specification approval: out of scope');
    });

    it('given a waiting task, when it is cancelled, then only the orchestration is cancelled (no attempt runs); its end is recorded for the runner, and no slot is given out (it held none)', () => {
      const task = givenTask(...waitingAtSpec());
      const drafts = decided(decideCancel(factory.cancelOrchestration(), task, null, now));
      expect(types(drafts)).toEqual(['OrchestrationCancelled']);
      const cancelled = givenTask(...waitingAtSpec(), ...stored(factory.cancelOrchestration(), drafts));
      expect(cancelled.status).toBe('cancelled');
      const scheduler = givenScheduler(factory.orchestrationAdmitted(2), factory.orchestrationQueued(3, 1));
      expect(decideRelease(factory.orchestrationCancelled(), cancelled, givenScheduler(factory.orchestrationAdmitted(2), factory.orchestrationAdmitted(4), factory.orchestrationQueued(3, 1)), rules, now)).toEqual([
        { type: 'OrchestrationReleased', data: { taskId: ids.task(1), orchestrationId: ids.orchestration(1), outcome: 'cancelled' } },
      ]);
      expect(decideRelease(factory.taskWaiting(), givenTask(...waitingAtSpec()), scheduler, rules, now)).toEqual([]);
    });
  });

  describe('going on after the wait', () => {
    /** waiting at the spec gate, then approved (stored) */
    const approved = () => {
      const command = factory.decideApproval(1, { revision: SPEC_REVISION });
      const drafts = decided(decideApproval(command, givenTask(...waitingAtSpec()), rules, now));
      return [...waitingAtSpec(), ...stored(command, drafts)];
    };
    const waitEnded = (events: OrchEvent[]) => {
      const ended = events.find((event) => event.type === 'TaskWaitEnded');
      if (ended?.type !== 'TaskWaitEnded') throw new Error('no TaskWaitEnded');
      return ended;
    };

    it('given the approval while the concurrency limit is full, then the task queues at the back, with its position', () => {
      const request = admissionAfter(waitEnded(approved()));
      if (request === null) throw new Error('expected the task to go through admission');
      const scheduler = givenScheduler(factory.orchestrationAdmitted(2), factory.orchestrationAdmitted(3), factory.orchestrationQueued(4, 1));
      expect(decideAdmission(request, scheduler, rules, now)).toEqual([
        expect.objectContaining({ type: 'OrchestrationQueued', data: { taskId: ids.task(1), orchestrationId: ids.orchestration(1), position: 2 } }),
      ]);
    });

    it('given an approval at the result gate, then the task does not go through admission again (it completes)', () => {
      expect(admissionAfter(factory.taskWaitEnded(1, null))).toBeNull();
    });

    it('given the approved task is admitted, then implementation is scheduled on a new lease (the old one was given up)', () => {
      const events = approved();
      const drafts = decideAdmitted(factory.orchestrationAdmitted(1), givenTask(...events));
      expect(drafts).toEqual([expect.objectContaining({ type: 'StageScheduled', data: expect.objectContaining({ stageType: 'implementation', round: 0, attempt: 1, context: expect.objectContaining({ specification: SPEC }) }) })]);
      const [stageScheduled] = stored(factory.orchestrationAdmitted(1), drafts);
      if (stageScheduled === undefined) throw new Error('no StageScheduled');
      const scheduled = givenTask(...events, stageScheduled);
      expect(scheduled.status).toBe('running');
      expect(types(react(stageScheduled, scheduled, 12, rules))).toEqual(['AcquireLease']);
    });

    it('given a task admitted again after its wait, when a late copy of its TaskWaiting is handled, then the slot it holds now is not released', () => {
      const events = approved();
      const admitted = givenTask(...events, ...stored(factory.orchestrationAdmitted(1), decideAdmitted(factory.orchestrationAdmitted(1), givenTask(...events))));
      expect(decideRelease(factory.taskWaiting(), admitted, givenScheduler(factory.orchestrationAdmitted(1)), rules, now)).toEqual([]);
    });
  });

  describe('the pull request waits for the approval of the result (saga)', () => {
    /** the RunStage QA is given under `policy` (on the lease the task holds) */
    const qaRun = (policy: ApprovalPolicy) => {
      const events = qaPassed(policy).slice(0, 9);
      const scheduled = events[8];
      if (scheduled?.type !== 'StageScheduled') throw new Error('expected the QA stage scheduled');
      const [run] = react(scheduled, givenTask(...events), 9, rules);
      if (run?.type !== 'RunStage') throw new Error(`expected a RunStage, got ${run?.type}`);
      return run.data;
    };
    /** the task's events once the decision at its result gate is stored */
    const decidedAtResult = (decision: 'approve' | 'reject') => {
      const command = factory.decideApproval(1, { decision, revision: QA_COMMIT });
      return [...waitingAtResult(), ...stored(command, decided(decideApproval(command, givenTask(...waitingAtResult()), rules, now)))];
    };

    it('given a task under approve-result, then its QA run is told not to open the pull request; under auto the RunStage is as before', () => {
      expect(qaRun('approve-result').openPullRequest).toBe(false);
      expect(qaRun('auto')).not.toHaveProperty('openPullRequest');
      expect(qaRun('approve-spec')).not.toHaveProperty('openPullRequest');
    });

    it('given the result is approved, when the completion is handled, then a runner is told to open the pull request with the QA stage\'s context and verdict', () => {
      const events = decidedAtResult('approve');
      const completed = events.at(-1);
      if (completed?.type !== 'OrchestrationCompleted') throw new Error(`expected the approval to complete the task, got ${completed?.type}`);
      const task = givenTask(...events);
      const drafts = react(completed, task, 20, rules);
      expect(types(drafts)).toEqual(['OpenPullRequest']);
      expect(drafts[0]?.data).toEqual({
        taskId: ids.task(1),
        orchestrationId: ids.orchestration(1),
        workspace: task.workspace,
        context: events[8]?.type === 'StageScheduled' ? events[8].data.context : null,
        verdict: { verdict: 'pass', findings: [] },
      });
    });

    it('given the result is rejected, then no pull request is opened', () => {
      const events = decidedAtResult('reject');
      const failed = events.at(-1);
      if (failed?.type !== 'OrchestrationFailed') throw new Error(`expected the rejection to fail the task, got ${failed?.type}`);
      expect(types(react(failed, givenTask(...events), 20, rules))).not.toContain('OpenPullRequest');
    });

    it('given a task under auto completes, then no OpenPullRequest is sent (its QA run opened it)', () => {
      const events = [...qaPassed('auto'), factory.orchestrationCompleted()];
      expect(types(react(factory.orchestrationCompleted(), givenTask(...events), 20, rules))).not.toContain('OpenPullRequest');
    });
  });

  describe('follow-ups', () => {
    const done = () => [...qaPassed('auto'), factory.orchestrationCompleted()];

    it('given a done task, when a follow-up is asked for, then a new implementation round with the prompt, resuming the implementation session, goes through admission', () => {
      const command = factory.requestFollowUp(1, 'Also handle errors');
      const drafts = decided(decideFollowUp(command, givenTask(...done()), now));
      expect(types(drafts)).toEqual(['FollowUpRequested']);
      expect(dataOf(drafts, 'FollowUpRequested')).toMatchObject({
        prompt: 'Also handle errors',
        by: 'alice',
        next: { stageType: 'implementation', round: 1, context: { specification: SPEC, followUp: 'Also handle errors', resumeSessionId: 'impl-session' } },
      });
      const [requested] = stored(command, drafts);
      if (requested?.type !== 'FollowUpRequested') throw new Error('no FollowUpRequested');
      expect(admissionAfter(requested)).toEqual({ taskId: ids.task(1), orchestrationId: ids.orchestration(1), key: `resume:${requested.id}` });

      // when it is admitted, then the orchestration resumes with that round
      const task = givenTask(...done(), requested);
      const admitted = decideAdmitted(factory.orchestrationAdmitted(1), task);
      expect(types(admitted)).toEqual(['OrchestrationResumed', 'StageScheduled']);
      expect(admitted[1]).toMatchObject({ data: { stageId: stageIdFor(ids.orchestration(1), 'implementation', 1), context: { resumeSessionId: 'impl-session' } } });
    });

    it('given a follow-up already waiting for its slot, when another is asked for, then it is refused', () => {
      const command = factory.requestFollowUp();
      const task = givenTask(...done(), ...stored(command, decided(decideFollowUp(command, givenTask(...done()), now))));
      expect(decideFollowUp(factory.requestFollowUp(1, 'one more'), task, now)).toEqual({ rejected: expect.stringContaining('has a follow-up waiting for a slot already') });
    });

    it('given a running task, when a follow-up is asked for, then it is refused: only a done or failed task takes one', () => {
      expect(decideFollowUp(factory.requestFollowUp(), givenTask(...specCompleted('auto')), now)).toEqual({ rejected: `task ${ids.task(1)} is running; only a done or failed task takes a follow-up` });
    });
  });
});
