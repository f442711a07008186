import { factory, ids } from '@app/testing';
import { givenTask, now, rules, running, stored, types } from './decider.givens';
import { isRejection } from './decision';
import { react } from './saga';
import { decideCancel } from './task.decider';
import { evolveTask } from './task.state';

describe('orchestration saga: commands from events', () => {
    it('given a stage was scheduled, then a lease is asked for', () => {
      const scheduled = factory.stageScheduled();
      expect(react(scheduled, givenTask(factory.taskCreated(), factory.orchestrationStarted(), scheduled), 3, rules)).toEqual([
        expect.objectContaining({ type: 'AcquireLease', data: expect.objectContaining({ stageId: ids.stage(), attempt: 1, ttlS: 120 }) }),
      ]);
    });

    it('given a lease was granted for the waiting stage, then the stage is run on it against the task sequence', () => {
      const granted = factory.leaseGranted();
      const drafts = react(granted, givenTask(factory.taskCreated(), factory.orchestrationStarted(), factory.stageScheduled()), 7, rules);
      expect(drafts).toEqual([expect.objectContaining({ type: 'RunStage', data: expect.objectContaining({ expectedTaskSequence: 7, timeoutS: 1800, lease: factory.lease() }) })]);
    });

    it('given a lease was granted for a task that was cancelled, then the lease is released', () => {
      const given = [factory.taskCreated(), factory.orchestrationStarted(), factory.stageScheduled()];
      const cancelled = decideCancel(factory.cancelOrchestration(), givenTask(...given), null, now);
      if (isRejection(cancelled)) throw new Error(`expected the cancel to be decided, got: ${cancelled.rejected}`);
      const task = givenTask(...given, ...stored(factory.cancelOrchestration(), cancelled));
      expect(types(react(factory.leaseGranted(), task, 9, rules))).toEqual(['ReleaseLease']);
    });

    it('given a stage failed, then its run is cancelled and its lease released', () => {
      const failed = factory.stageFailed();
      expect(types(react(failed, givenTask(...running(), failed), 9, rules))).toEqual(['CancelRun', 'ReleaseLease']);
    });

    it('given a stage was parked on a rate limit, then its lease is released (the run ended by itself: nothing to cancel)', () => {
      const parked = factory.stageParked();
      expect(react(parked, givenTask(...running(), parked), 9, rules)).toEqual([
        expect.objectContaining({ type: 'ReleaseLease', data: expect.objectContaining({ leaseId: factory.lease().leaseId, stageId: ids.stage() }) }),
      ]);
    });

    describe('a task keeps its container from stage to stage', () => {
      /** specification done on lease 1, implementation scheduled on it */
      const handedOver = () => {
        const next = factory.stageScheduled({ stageType: 'implementation' });
        return { next, events: [...running('specification'), factory.stageCompleted({ stageType: 'specification' }), next] };
      };

      it('given a stage completed, then nothing is sent: its lease is not released', () => {
        const completed = factory.stageCompleted();
        expect(react(completed, givenTask(...running(), completed), 9, rules)).toEqual([]);
      });

      it('given the next stage is scheduled while the task holds a lease, then it runs on that lease at once, without asking the pool', () => {
        const { next, events } = handedOver();
        expect(react(next, givenTask(...events), 11, rules)).toEqual([
          expect.objectContaining({
            type: 'RunStage',
            data: expect.objectContaining({ stageType: 'implementation', expectedTaskSequence: 11, lease: factory.lease(), timeoutS: 3600 }),
          }),
        ]);
      });

      it('given an attempt failed, then its retry asks the pool for a new lease (the old container may be the cause)', () => {
        const failed = factory.stageFailed();
        const retry = factory.stageScheduled({ attempt: 2 });
        expect(types(react(retry, givenTask(...running(), failed, retry), 9, rules))).toEqual(['AcquireLease']);
      });

      it('given the task completes, then the lease it held is released', () => {
        const qa = factory.stageCompleted({ stageType: 'qa' });
        const done = factory.orchestrationCompleted();
        expect(react(done, givenTask(...running('qa'), qa, done), 12, rules)).toEqual([
          expect.objectContaining({ type: 'ReleaseLease', data: expect.objectContaining({ leaseId: factory.lease().leaseId }) }),
        ]);
      });

      it('given the task is cancelled between two stages, then the held lease is released with the cancelled attempt', () => {
        const { events } = handedOver();
        const cancelled = factory.stageCancelled({ stageType: 'implementation' });
        const task = givenTask(...events, cancelled);
        expect(react(cancelled, task, 12, rules)).toEqual([
          expect.objectContaining({ type: 'CancelRun' }),
          expect.objectContaining({ type: 'ReleaseLease', data: expect.objectContaining({ leaseId: factory.lease().leaseId }) }),
        ]);
        expect(react(factory.orchestrationCancelled(), evolveTask(task, factory.orchestrationCancelled()), 13, rules)).toEqual([]);
      });

    });

    it('given a heartbeat of the running attempt, then its lease is renewed', () => {
      expect(types(react(factory.runHeartbeat(), givenTask(...running()), 9, rules))).toEqual(['RenewLease']);
    });
  });
