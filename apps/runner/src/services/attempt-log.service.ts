import { Injectable, Logger } from '@nestjs/common';
import { isTaskEvent, type MessageData, type MessageOf, type TaskEvent } from '@app/contracts';
import { AggregateStore, NatsClient, StillConflicting, type Fold } from '@app/messaging';
import { evolveAttempts, factsOf, initialAttempts, type AttemptFacts, type AttemptsState } from '../domain/attempt-guard';

/** tries of an append or read while NATS does not answer: 0.5 + 1 + 2 + 4 + 8 × 6 s ≈ 1 minute */
const PATIENT_ATTEMPTS = 11;

type AttemptRef = { taskId: string; stageId: string; attempt: number };

/** The task subject as the runner folds it: the store keeps it, so a heartbeat's check reads only the subject's tail. */
const ATTEMPTS: Fold<AttemptsState, TaskEvent> = { initial: initialAttempts, accepts: isTaskEvent, evolve: evolveAttempts };

/**
 * A stage attempt's life on its task's subject, as a fold over the aggregate store: every
 * append goes through the store's one loop, against the sequence last read (or the one the
 * order carried); on a conflict the subject is re-read and the append made again only if
 * the attempt is still where it has to be — so an attempt is started once and ends once,
 * whichever runner or orchestrator writes first.
 */
@Injectable()
export class AttemptLog {
  private readonly logger = new Logger('Runner');

  constructor(
    private readonly store: AggregateStore,
    private readonly nats: NatsClient,
  ) {}

  async facts(ref: AttemptRef): Promise<AttemptFacts & { lastSeq: number }> {
    const { state, lastSeq } = await this.store.load(this.nats.subjects.task(ref.taskId), ATTEMPTS);
    return { ...factsOf(state, ref.stageId, ref.attempt), lastSeq };
  }

  /**
   * Appends StageStarted against the sequence the run was ordered at; resolves with its
   * sequence, or null when the attempt is not startable (any more).
   */
  async claim(started: MessageOf<'StageStarted'>, expectedSeq: number): Promise<number | null> {
    const { data } = started;
    const claimed = await this.store.append(this.nats.subjects.task(data.taskId), ATTEMPTS, { lastSeq: expectedSeq, events: [started] }, (state) =>
      factsOf(state, data.stageId, data.attempt).status === 'startable' ? [started] : [],
    );
    return claimed.stored.length > 0 ? claimed.lastSeq : null;
  }

  /**
   * Appends the attempt's one outcome, unless the attempt was closed meanwhile. True when
   * appended. The outcome exists only in this runner's memory, so NATS being away for a
   * while (a restart, a failover) is waited out rather than the outcome lost.
   */
  async report(outcome: TaskEvent, ref: AttemptRef, startedSeq: number): Promise<boolean> {
    const subject = this.nats.subjects.task(ref.taskId);
    try {
      const reported = await this.patiently(`report ${outcome.type} for task ${ref.taskId}`, () =>
        this.store.append(subject, ATTEMPTS, { lastSeq: startedSeq, events: [outcome] }, (state) =>
          factsOf(state, ref.stageId, ref.attempt).status === 'started' ? [outcome] : [],
        ),
      );
      if (reported.appended.length === 0) this.logger.warn(`Dropping ${outcome.type} for task ${ref.taskId}: the attempt was closed meanwhile`);
      return reported.stored.length > 0;
    } catch (error) {
      if (!(error instanceof StillConflicting)) throw error;
      this.logger.error(`Could not report ${outcome.type} for task ${ref.taskId}: the task subject keeps moving`);
      return false;
    }
  }

  /** Runs `work`, retrying with backoff while it throws (NATS unreachable), up to about a minute. */
  private async patiently<T>(what: string, work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (error instanceof StillConflicting || attempt >= PATIENT_ATTEMPTS) throw error;
        const delayMs = Math.min(8_000, 250 * 2 ** attempt);
        this.logger.warn(`Could not ${what} (${(error as Error).message}); trying again in ${delayMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }

  /**
   * Appends a StageCancelled built from the attempt's facts, while it is open; null when
   * it was already closed. The runner running it sees the event and stops its agent.
   */
  async cancel(ref: AttemptRef, build: (facts: AttemptFacts) => MessageOf<'StageCancelled'> | null): Promise<MessageData<'StageCancelled'> | null> {
    const { stored } = await this.store.decide(this.nats.subjects.task(ref.taskId), ATTEMPTS, (state) => {
      const event = build(factsOf(state, ref.stageId, ref.attempt));
      return event === null ? [] : [event];
    });
    const [cancelled] = stored;
    return cancelled?.type === 'StageCancelled' ? cancelled.data : null;
  }
}
