import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { causedMessage, type Envelope, type MessageOf, type OrchCommand, type OrchEvent, type OrchMessage } from '@app/contracts';
import { Clock } from '@app/config';
import { AggregateStore, MessagePublisher, NatsClient, type Fold } from '@app/messaging';
import type { Draft } from '../domain/decision';
import {
  decideAdmissions,
  decideAdmitted,
  decideRelease,
  decideRetryDue,
  decideStageCompleted,
  decideStageFailed,
  decideStart,
  reactToEvent,
} from '../domain/orchestration.decider';
import { evolveScheduler, initialSchedulerState, type SchedulerState } from '../domain/scheduler.state';
import { evolveTask, initialTaskState, type TaskState } from '../domain/task.state';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../orchestrator.config';

const schedulerFold: Fold<SchedulerState> = { initial: () => initialSchedulerState, evolve: evolveScheduler };

/**
 * The orchestrator's I/O around its pure decider: loads the aggregates a message is about,
 * appends what the decider decided (against the sequence it read), and sends the commands
 * the saga asks for.
 */
@Injectable()
export class OrchestrationService implements OnApplicationShutdown {
  private readonly logger = new Logger('OrchestratorService');
  private readonly retryTimers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly store: AggregateStore,
    private readonly publisher: MessagePublisher,
    private readonly nats: NatsClient,
    private readonly clock: Clock,
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  async start(command: MessageOf<'StartOrchestration'>): Promise<void> {
    const { taskId } = command.data;
    const task = await this.loadTask(taskId);
    const rejection = decideStart(command, task.state, initialSchedulerState, { ...this.config.rules, maxConcurrent: Number.MAX_SAFE_INTEGER });
    if (rejection[0]?.type === 'OrchestrationRejected') {
      const reason = rejection[0].data.reason;
      this.logger.warn(`Refusing to start orchestration for task ${taskId}: ${reason}`);
      await this.publisher.append(this.envelope(command, rejection[0]) as OrchEvent);
      return;
    }
    this.logger.log(`Starting orchestration for task ${taskId}`);
    const { appended } = await this.store.decide(this.nats.subjects.scheduler, schedulerFold, (scheduler) =>
      this.envelopes(command, decideStart(command, task.state, scheduler, this.config.rules)),
    );
    for (const event of appended) {
      if (event.type === 'OrchestrationQueued') {
        this.logger.warn(`Concurrency limit reached, queuing task ${taskId} at position ${event.data.position}`);
      }
    }
  }

  async onEvent(event: OrchEvent): Promise<void> {
    switch (event.type) {
      case 'OrchestrationAdmitted':
        await this.decideOnTask(event, event.data.taskId, (task) => decideAdmitted(event, task));
        return;
      case 'OrchestrationQueued':
      case 'OrchestrationReleased':
        await this.store.decide(this.nats.subjects.scheduler, schedulerFold, (scheduler) =>
          this.envelopes(event, decideAdmissions(scheduler, this.config.rules)),
        );
        return;
      case 'OrchestrationCompleted':
      case 'OrchestrationFailed':
      case 'OrchestrationCancelled':
        this.logTaskEnd(event);
        await this.store.decide(this.nats.subjects.scheduler, schedulerFold, (scheduler) =>
          this.envelopes(event, decideRelease(event, scheduler, this.config.rules)),
        );
        return;
      case 'StageScheduled':
      case 'LeaseGranted':
        await this.react(event, event.data.taskId);
        return;
      case 'StageCompleted':
        await this.react(event, event.data.taskId);
        await this.decideOnTask(event, event.data.taskId, (task) => decideStageCompleted(event, task, this.config.rules));
        return;
      case 'StageFailed':
      case 'StageTimedOut':
        this.logger.error(
          `Stage ${event.data.stageType} failed for task ${event.data.taskId}: ${event.type === 'StageFailed' ? event.data.reason : 'timed out'}`,
        );
        await this.react(event, event.data.taskId);
        await this.decideOnTask(event, event.data.taskId, (task) => decideStageFailed(event, task, this.config.rules, this.clock.now()));
        return;
      case 'StageCancelled':
        await this.react(event, event.data.taskId);
        return;
      case 'StageRetryScheduled':
        this.armRetry(event);
        return;
      default:
        return;
    }
  }

  onApplicationShutdown(): void {
    for (const timer of this.retryTimers.values()) clearTimeout(timer);
    this.retryTimers.clear();
  }

  private armRetry(event: MessageOf<'StageRetryScheduled'>): void {
    const key = `${event.data.stageId}:${event.data.nextAttempt}`;
    if (this.retryTimers.has(key)) return;
    const delay = Math.max(0, Date.parse(event.data.retryAt) - this.clock.now().getTime());
    const timer = setTimeout(() => {
      this.retryTimers.delete(key);
      this.decideOnTask(event, event.data.taskId, (task) => decideRetryDue(event, task)).catch((error: unknown) =>
        this.logger.error(`Retry of ${event.data.stageType} for task ${event.data.taskId} failed to start: ${(error as Error).message}`),
      );
    }, delay);
    this.retryTimers.set(key, timer);
  }

  private logTaskEnd(event: MessageOf<'OrchestrationCompleted'> | MessageOf<'OrchestrationFailed'> | MessageOf<'OrchestrationCancelled'>): void {
    if (event.type === 'OrchestrationCompleted') this.logger.log(`Orchestration completed for task ${event.data.taskId}`);
    else if (event.type === 'OrchestrationFailed') this.logger.error(`Orchestration failed for task ${event.data.taskId}: ${event.data.reason}`);
    else this.logger.warn(`Orchestration cancelled for task ${event.data.taskId}: ${event.data.reason}`);
  }

  private async decideOnTask(cause: OrchMessage, taskId: string, decide: (task: TaskState) => Draft[]): Promise<void> {
    const { appended } = await this.store.decide(this.nats.subjects.task(taskId), this.taskFold(taskId), (task) =>
      this.envelopes(cause, decide(task)),
    );
    for (const event of appended) {
      if (event.type === 'StageScheduled') this.logger.debug(`Context passed to stage ${event.data.stageType}: ${JSON.stringify(event.data.context).slice(0, 500)}`);
    }
  }

  private async react(event: OrchEvent, taskId: string): Promise<void> {
    const { state, lastSeq } = await this.loadTask(taskId);
    for (const command of this.envelopes(event, reactToEvent(event, state, lastSeq, this.config.rules))) {
      await this.publisher.send(command as OrchCommand);
    }
  }

  private loadTask(taskId: string) {
    return this.store.load(this.nats.subjects.task(taskId), this.taskFold(taskId));
  }

  private taskFold(taskId: string): Fold<TaskState> {
    return { initial: () => initialTaskState(taskId), evolve: evolveTask };
  }

  private envelopes<T extends OrchEvent | OrchCommand>(cause: OrchMessage, drafts: Draft[]): T[] {
    return drafts.map((item) => this.envelope(cause, item) as T);
  }

  private envelope(cause: OrchMessage, item: Draft): Envelope {
    return causedMessage(cause, item.type, item.aggregateId, item.data as never, this.origin(), item.key ?? '');
  }

  private origin() {
    return { producer: this.config.messaging.producer, occurredAt: this.clock.nowIso() };
  }
}
