import { factory } from '@app/testing';
import { attemptFacts, cancellation, closingReason } from './attempt-guard';

const attemptStatus = (...args: Parameters<typeof attemptFacts>) => attemptFacts(...args).status;

const spec = factory.ids.stage('specification');
const impl = factory.ids.stage('implementation');

describe('attempt guard', () => {
  describe('attemptStatus', () => {
    it('given nothing on the subject, then the attempt is closed (it was never scheduled)', () => {
      expect(attemptStatus([factory.taskCreated()], spec, 1)).toBe('closed');
    });

    it('given the attempt scheduled, then it is startable', () => {
      expect(attemptStatus([factory.taskCreated(), factory.orchestrationStarted(), factory.stageScheduled()], spec, 1)).toBe('startable');
    });

    it('given it scheduled and started, then it is started', () => {
      expect(attemptStatus([factory.stageScheduled(), factory.stageStarted()], spec, 1)).toBe('started');
    });

    it('given a second StageStarted for a started attempt, then it stays started (a redelivery starts nothing new)', () => {
      expect(attemptStatus([factory.stageScheduled(), factory.stageStarted(), factory.stageStarted({}, { runnerId: 'runner-2' })], spec, 1)).toBe('started');
    });

    it.each([
      ['completed', factory.stageCompleted()],
      ['failed', factory.stageFailed()],
      ['timed out', factory.stageTimedOut()],
      ['cancelled', factory.stageCancelled()],
      ['ended with its orchestration', factory.orchestrationCancelled()],
      ['ended with its task', factory.taskDeleted()],
    ])('given the attempt %s, then it is closed', (_what, ending) => {
      expect(attemptStatus([factory.stageScheduled(), factory.stageStarted(), ending], spec, 1)).toBe('closed');
    });

    it("given the specification's StageScheduled stored again while implementation runs, then implementation stays started (the duplicate counts once)", () => {
      const specScheduled = factory.stageScheduled();
      const events = [specScheduled, factory.stageStarted(), factory.stageCompleted(), factory.stageScheduled({ stageType: 'implementation' }), factory.stageStarted({ stageType: 'implementation' }), specScheduled];
      expect(attemptStatus(events, impl, 1)).toBe('started');
      expect(attemptStatus(events, spec, 1)).toBe('closed');
    });

    it('given a later attempt scheduled, then the earlier one is closed and the later one startable', () => {
      const events = [factory.stageScheduled(), factory.stageStarted(), factory.stageScheduled({ attempt: 2 })];
      expect(attemptStatus(events, spec, 1)).toBe('closed');
      expect(attemptStatus(events, spec, 2)).toBe('startable');
    });

    it('given another stage scheduled, then the attempt is closed', () => {
      expect(attemptStatus([factory.stageScheduled(), factory.stageScheduled({ stageType: 'implementation' })], spec, 1)).toBe('closed');
      expect(attemptStatus([factory.stageScheduled(), factory.stageScheduled({ stageType: 'implementation' })], impl, 1)).toBe('startable');
    });
  });

  describe('closingReason', () => {
    it('when an event is about another attempt, then it does not close this one', () => {
      expect(closingReason(factory.stageCancelled({ attempt: 2 }), spec, 1)).toBeNull();
      expect(closingReason(factory.stageStarted(), spec, 1)).toBeNull();
      expect(closingReason(factory.runHeartbeat(), spec, 1)).toBeNull();
    });

    it('when the attempt is cancelled, then the reason says so', () => {
      expect(closingReason(factory.stageCancelled({}, 'the user changed their mind'), spec, 1)).toBe('the attempt was cancelled: the user changed their mind');
    });

    it('when the orchestration ends, then every attempt of the task closes', () => {
      expect(closingReason(factory.orchestrationFailed(1, 'qa failed'), spec, 1)).toBe('the orchestration failed: qa failed');
    });
  });

  describe('cancellation', () => {
    const command = factory.cancelRun({}, 'stop').data;

    it('given a started attempt, when it is cancelled, then StageCancelled carries its orchestration and stage type', () => {
      const facts = attemptFacts([factory.stageScheduled(), factory.stageStarted()], spec, 1);
      expect(cancellation(facts, command, '2026-11-24T11:00:00.000Z')).toEqual({
        taskId: factory.ids.task(),
        orchestrationId: factory.ids.orchestration(),
        stageId: spec,
        stageType: 'specification',
        attempt: 1,
        reason: 'stop',
        cancelledAt: '2026-11-24T11:00:00.000Z',
      });
    });

    it('given a scheduled attempt not started yet, when it is cancelled, then it is cancelled before any runner starts it', () => {
      const facts = attemptFacts([factory.stageScheduled()], spec, 1);
      expect(cancellation(facts, command, '2026-11-24T11:00:00.000Z')).not.toBeNull();
    });

    it('given a closed attempt, when it is cancelled, then nothing is appended', () => {
      const facts = attemptFacts([factory.stageScheduled(), factory.stageStarted(), factory.stageTimedOut()], spec, 1);
      expect(cancellation(facts, command, '2026-11-24T11:00:00.000Z')).toBeNull();
    });
  });
});
