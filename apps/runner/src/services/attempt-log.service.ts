import { Injectable, Logger } from '@nestjs/common';
import { isTaskEvent, type MessageData, type MessageOf, type OrchEvent, type TaskEvent } from '@app/contracts';
import { AggregateStore, MessagePublisher, NatsClient, TransientError, type Fold } from '@app/messaging';
import { evolveAttempts, factsOf, initialAttempts, type AttemptFacts, type AttemptsState } from '../domain/attempt-guard';

const MAX_CONFLICT_ROUNDS = 20;
/** tries of an append or read while NATS does not answer: 0.5 + 1 + 2 + 4 + 8 × 6 s ≈ 1 minute */
const PATIENT_ATTEMPTS = 11;

type AttemptRef = { taskId: string; stageId: string; attempt: number };

/** The task subject as the runner folds it: the store keeps it, so a heartbeat's check reads only the subject's tail. */
const ATTEMPTS: Fold<AttemptsState, TaskEvent> = { initial: initialAttempts, accepts: isTaskEvent, evolve: evolveAttempts };

/**
 * A stage attempt's life on its task's subject. Every append goes against the sequence
 * last read; on a conflict the subject is re-read and the append made again only if the
 * attempt is still where it has to be — so an attempt is started once and ends once,
 * whichever runner or orchestrator writes first.
 */
@Injectable()
export class AttemptLog {
  private readonly logger = new Logger('Runner');

  constructor(
    private readonly publisher: MessagePublisher,
    private readonly store: AggregateStore,
    private readonly nats: NatsClient,
  ) {}

  async facts(ref: AttemptRef): Promise<AttemptFacts & { lastSeq: number }> {
    const { state, lastSeq } = await this.store.load(this.nats.subjects.task(ref.taskId), ATTEMPTS);
    return { ...factsOf(state, ref.stageId, ref.attempt), lastSeq };
  }

  /** Appends StageStarted; resolves with its sequence, or null when the attempt is not startable. */
  async claim(started: MessageOf<'StageStarted'>, expectedSeq: number): Promise<number | null> {
    let expected = expectedSeq;
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round += 1) {
      const result = await this.publisher.append(started, expected);
      if (result.ok) return result.duplicate ? null : result.seq;
      const facts = await this.facts(started.data);
      if (facts.status !== 'startable') return null;
      expected = facts.lastSeq;
    }
    throw new TransientError(`could not claim ${started.data.stageType} for task ${started.data.taskId}: the task subject keeps moving`);
  }

  /**
   * Appends the attempt's one outcome, unless the attempt was closed meanwhile. True when
   * appended. The outcome exists only in this runner's memory, so NATS being away for a
   * while (a restart, a failover) is waited out rather than the outcome lost.
   */
  async report(outcome: OrchEvent, ref: AttemptRef, startedSeq: number): Promise<boolean> {
    let expected = startedSeq;
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round += 1) {
      const result = await this.patiently(`report ${outcome.type} for task ${ref.taskId}`, () => this.publisher.append(outcome, expected));
      if (result.ok) return !result.duplicate;
      const facts = await this.patiently(`read task ${ref.taskId}`, () => this.facts(ref));
      if (facts.status !== 'started') {
        this.logger.warn(`Dropping ${outcome.type} for task ${ref.taskId}: the attempt was closed meanwhile`);
        return false;
      }
      expected = facts.lastSeq;
    }
    this.logger.error(`Could not report ${outcome.type} for task ${ref.taskId}: the task subject keeps moving`);
    return false;
  }

  /** Runs `work`, retrying with backoff while it throws (NATS unreachable), up to about a minute. */
  private async patiently<T>(what: string, work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (attempt >= PATIENT_ATTEMPTS) throw error;
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
    for (let round = 0; round < MAX_CONFLICT_ROUNDS; round += 1) {
      const facts = await this.facts(ref);
      const event = build(facts);
      if (event === null) return null;
      const result = await this.publisher.append(event, facts.lastSeq);
      if (result.ok) return result.duplicate ? null : event.data;
    }
    throw new TransientError(`could not cancel attempt ${ref.attempt} of stage ${ref.stageId}: the task subject keeps moving`);
  }
}
