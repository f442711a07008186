import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { deterministicId, draft, isProjectEvent, SCHEDULER_AGGREGATE, sealDraft, type MessageOf, type OrchEvent, type OrchMessage, type SchedulerEvent, type TaskEvent, type WaitingFor } from '@app/contracts';
import { Clock } from '@app/config';
import { AggregateStore, HeartbeatReader, MessagePublisher, NatsClient, SubjectReader } from '@app/messaging';
import { isRejection, type AdmissionRequest, type QueueFacts, type Rejection, type SchedulerDraft, type TaskDraft, type TimeOut } from '../domain/decision';
import { isFollowed, type FollowedEvent } from '../domain/followed-events';
import { react } from '../domain/saga';
import { decideRaiseBudget } from '../domain/budget.decider';
import { decideDailyRecheck, nextDayStart, utcDay, type DailyBudgets } from '../domain/daily-budget.decider';
import { decideAdmission, decideAdmissions, decideBlockerDone, decidePause, decideRelease, type SlotReleasingEvent } from '../domain/scheduler.decider';
import { dependentsOf, initialSchedulerState, schedulerFold, type SchedulerState } from '../domain/scheduler.state';
import * as taskDecider from '../domain/task.decider';
import { currentStage, taskFold, type TaskState } from '../domain/task.state';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../orchestrator.config';
import { Timers } from './timers';

type Cause = Pick<OrchMessage, 'id' | 'correlationId'>;
/** ids of events followed at once, remembered until their delivery (or as many newer ones) */
const MAX_FOLLOWED = 10_000;

/**
 * The orchestrator's I/O around its pure decider: loads the aggregates a message is about,
 * appends what the decider decided (against the sequence it read), sends the commands the
 * saga asks for, and keeps the deadline, heartbeat and backoff timers — all re-armed from
 * the log when the process starts.
 */
@Injectable()
export class OrchestrationService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OrchestratorService');
  private readonly timers = new Timers(() => this.clock.now().getTime());
  /** last heartbeat (ms) per running attempt `stageId:attempt` */
  private readonly heartbeats = new Map<string, { taskId: string; at: number }>();
  private watchdog: NodeJS.Timeout | null = null;
  private watching = false;
  private redriver: NodeJS.Timeout | null = null;
  private redriving = false;
  /** events this process appended and is following now, or has followed, by id */
  private readonly following = new Map<string, Promise<void>>();
  private readonly followed = new Set<string>();

  constructor(
    private readonly store: AggregateStore,
    private readonly reader: SubjectReader,
    private readonly publisher: MessagePublisher,
    private readonly nats: NatsClient,
    private readonly lastHeartbeats: HeartbeatReader,
    private readonly clock: Clock,
    @Inject(ORCHESTRATOR_CONFIG) private readonly config: OrchestratorConfig,
  ) {}

  /** Re-arms every timer of the orchestrations still open, from the log, and again every ORCHESTRATOR_REDRIVE_S. */
  async onApplicationBootstrap(): Promise<void> {
    const scheduler = await this.redrive(false);
    this.logger.log(`Recovered ${scheduler.running.length} running and ${scheduler.queue.length} queued orchestrations from the log`);
    this.redriver = setInterval(() => {
      if (this.redriving) return;
      this.redriving = true;
      this.redrive(true)
        .catch((error: unknown) => this.logger.error(`Could not re-drive the open orchestrations: ${(error as Error).message}`))
        .finally(() => (this.redriving = false));
    }, this.config.redriveIntervalS * 1000);
    this.redriver.unref();
    const timeoutMs = this.config.heartbeatTimeoutS * 1000;
    if (timeoutMs > 0) {
      this.watchdog = setInterval(() => {
        if (this.watching) return;
        this.watching = true;
        void this.checkHeartbeats(timeoutMs).finally(() => (this.watching = false));
      }, Math.min(5_000, timeoutMs / 2));
      this.watchdog.unref();
    }
  }

  onApplicationShutdown(): void {
    this.timers.clear();
    if (this.watchdog) clearInterval(this.watchdog);
    if (this.redriver) clearInterval(this.redriver);
  }

  /**
   * Arms the timers (deadlines, retry backoffs) of every running orchestration from the log.
   * Arming is idempotent; run periodically it catches a timer whose work failed (NATS
   * full or down when it fired). `stalled`: also the next step of a task whose last event
   * is older than one re-drive interval is taken again (its last event handled once more:
   * handling is idempotent), and free slots are given to the queue — so a step whose
   * message was given up on after its deliveries (a dead letter) does not stall the task.
   */
  private async redrive(stalled: boolean): Promise<SchedulerState> {
    const { state: scheduler, lastSeq } = await this.store.load(this.nats.subjects.scheduler, schedulerFold);
    const now = this.clock.now().getTime();
    for (const admission of scheduler.running) {
      const { state: task } = await this.loadTask(admission.taskId);
      this.armTimers(task);
      if (stalled) await this.redriveTask(admission.taskId, now);
    }
    for (const [credential, until] of Object.entries(scheduler.pausedCredentials)) {
      if (until > now) this.armResume(credential, until, { id: deterministicId('resume', credential, until), correlationId: deterministicId('resume', credential) });
    }
    if (stalled && scheduler.queue.length > 0) {
      const cause: Cause = { id: deterministicId('redrive', this.nats.subjects.scheduler, lastSeq), correlationId: deterministicId('redrive', lastSeq) };
      // a blocker that ended while its dependent was being queued is settled here at the latest
      for (const blockerId of new Set(scheduler.queue.flatMap((entry) => entry.waitingOn))) await this.settleDependents(cause, blockerId);
      await this.decideOnScheduler(cause, (current) => decideAdmissions(current, this.config.rules, this.clock.now()));
    }
    return scheduler;
  }

  private async redriveTask(taskId: string, now: number): Promise<void> {
    const last = await this.reader.last(this.nats.subjects.task(taskId));
    if (last === null || !isFollowed(last.event) || now - Date.parse(last.event.occurredAt) < this.config.redriveIntervalS * 1000) return;
    try {
      await this.handle(last.event);
    } catch (error) {
      this.logger.error(`Could not re-drive task ${taskId} from its last event ${last.event.type}: ${(error as Error).message}`);
    }
  }

  async start(command: MessageOf<'StartOrchestration'>): Promise<void> {
    const { taskId } = command.data;
    const { state: task } = await this.loadTask(taskId);
    const outcome = taskDecider.decideStart(command, task, this.config.rules);
    if (isRejection(outcome)) {
      this.logger.warn(`Refusing to start orchestration for task ${taskId}: ${outcome.rejected}`);
      await this.reject(command, taskId, outcome);
      return;
    }
    const blockers = await this.blockersOf(task);
    const broken = blockers.flatMap(({ standing }) => (standing.kind === 'broken' ? [standing.reason] : []));
    if (broken.length > 0) {
      await this.decideOnTask(command, taskId, (current) => taskDecider.decideBlockerBroken(current, outcome.orchestrationId, broken.join('; '), this.clock.now()));
      return;
    }
    const waitingOn = blockers.filter((blocker) => blocker.standing.kind === 'open').map((blocker) => blocker.taskId);
    this.logger.log(`Starting orchestration for task ${taskId}`);
    const appended = await this.admit(command, { ...outcome, queue: await this.queueFactsOf(task, waitingOn) });
    for (const event of appended) {
      if (event.type === 'OrchestrationQueued') {
        const why = event.data.waitingOn ? `waiting for ${event.data.waitingOn.join(', ')}` : 'concurrency limit reached';
        this.logger.warn(`Queuing task ${taskId} at position ${event.data.position} (${why}, priority ${event.data.priority ?? '-'})`);
      }
    }
    // a blocker that ended while this was queued: whoever saw its end first settles it (this read or its handler's)
    for (const blockerId of waitingOn) await this.settleDependents(command, blockerId);
  }

  /** The standing of each of the task's blockers, read from their subjects. */
  private async blockersOf(task: TaskState): Promise<Array<{ taskId: string; standing: taskDecider.BlockerStanding }>> {
    const standings = [];
    for (const blockerId of task.blockedBy) {
      const { state: blocker } = await this.loadTask(blockerId);
      standings.push({ taskId: blockerId, standing: taskDecider.blockerStanding(blocker) });
    }
    return standings;
  }

  /** What the scheduler orders and limits the task by: its priority, its project and that project's limit now. */
  private async queueFactsOf(task: TaskState, waitingOn: string[]): Promise<QueueFacts> {
    const projectId = task.workspace.remote?.projectId ?? null;
    const project = await this.projectOf(projectId);
    return { priority: task.priority, projectId, projectMaxConcurrent: project?.maxConcurrent ?? null, waitingOn };
  }

  /** The project as its latest event describes it; null for none, or deleted. */
  private async projectOf(projectId: string | null): Promise<MessageOf<'ProjectUpdated'>['data'] | null> {
    if (projectId === null) return null;
    const last = await this.reader.last(this.nats.subjects.project(projectId));
    return last !== null && isProjectEvent(last.event) && last.event.type !== 'ProjectDeleted' ? last.event.data : null;
  }

  /**
   * A run that ended: its cost is counted against its UTC day on the scheduler's subject
   * (one StageCostRecorded per attempt), and the daily caps of its task are returned with the
   * day's spend, for the decision on its next stage.
   */
  private async dailyBudgetsAfter(event: MessageOf<'StageCompleted'> | MessageOf<'StageFailed'> | MessageOf<'StageParked'>): Promise<DailyBudgets> {
    const { taskId, stageId, attempt, result } = event.data;
    const { state: task } = await this.loadTask(taskId);
    const projectId = task.workspace.remote?.projectId ?? null;
    const costUsd = result?.totalCostUsd ?? 0;
    if (costUsd > 0) {
      await this.decideOnScheduler(event, () => [draft('StageCostRecorded', { taskId, projectId, stageId, attempt, costUsd, at: event.occurredAt }, `${stageId}:${attempt}`)]);
    }
    return this.dailyBudgetsOf(task);
  }

  /** The daily caps over `task` (its project's and the global one) with the day's spend so far. */
  private async dailyBudgetsOf(task: TaskState): Promise<DailyBudgets> {
    const projectId = task.workspace.remote?.projectId ?? null;
    const project = await this.projectOf(projectId);
    const caps = { projectId, projectCapUsd: project?.dailyBudgetUsd ?? null, globalCapUsd: this.config.rules.dailyBudgetUsd };
    // no cap (the default): the day's spend is not read
    if (caps.projectCapUsd === null && caps.globalCapUsd === null) return { ...caps, spend: initialSchedulerState.daySpend };
    const { state: scheduler } = await this.store.load(this.nats.subjects.scheduler, schedulerFold);
    return { ...caps, spend: scheduler.daySpend };
  }

  /**
   * The queued tasks waiting for `blockerId`, settled on its standing: when it is done they
   * wait for it no longer (and may be admitted); when it broke they fail with its reason.
   */
  private async settleDependents(cause: Cause, blockerId: string): Promise<void> {
    const { state: scheduler } = await this.store.load(this.nats.subjects.scheduler, schedulerFold);
    const dependents = dependentsOf(scheduler, blockerId);
    if (dependents.length === 0) return;
    const { state: blocker } = await this.loadTask(blockerId);
    const standing = taskDecider.blockerStanding(blocker);
    if (standing.kind === 'done') {
      this.logger.log(`Task ${blockerId} is done: ${dependents.length} queued task(s) wait for it no longer`);
      await this.decideOnScheduler(cause, (current) => decideBlockerDone(blockerId, current, this.config.rules, this.clock.now()));
    } else if (standing.kind === 'broken') {
      for (const dependent of dependents) {
        this.logger.warn(`Failing queued task ${dependent.taskId}: ${standing.reason}`);
        await this.decideOnTask(cause, dependent.taskId, (task) => taskDecider.decideBlockerBroken(task, dependent.orchestrationId, standing.reason, this.clock.now()));
      }
    }
  }

  async cancel(command: MessageOf<'CancelOrchestration'>): Promise<void> {
    const { taskId } = command.data;
    const { state: scheduler } = await this.store.load(this.nats.subjects.scheduler, schedulerFold);
    const queued = scheduler.queue.find((entry) => entry.taskId === taskId) ?? null;
    this.logger.warn(`Cancelling orchestration for task ${taskId}: ${command.data.reason}`);
    await this.decideOnTask(command, taskId, (task) => {
      const outcome = taskDecider.decideCancel(command, task, queued, this.clock.now());
      return isRejection(outcome) ? [rejectionDraft(taskId, outcome)] : outcome;
    });
  }

  async retryStage(command: MessageOf<'RetryStage'>): Promise<void> {
    const { taskId, stageId } = command.data;
    const { state: task } = await this.loadTask(taskId);
    const outcome = taskDecider.decideRetryStage(command, task, this.config.rules);
    if (isRejection(outcome)) {
      this.logger.warn(`Refusing to retry stage ${stageId} of task ${taskId}: ${outcome.rejected}`);
      await this.reject(command, taskId, outcome);
      return;
    }
    const appended = await this.admit(command, { ...outcome, queue: await this.queueFactsOf(task, []) });
    if (appended.length > 0) this.logger.log(`Retrying stage ${stageId} of task ${taskId}`);
  }

  /** A person's decision on a waiting task: recorded and acted on, or refused on the task's subject. */
  async decideApproval(command: MessageOf<'DecideApproval'>): Promise<void> {
    const { taskId, decision, by } = command.data;
    this.logger.log(`Decision ${decision} by ${by} for task ${taskId}`);
    await this.decideOnTask(command, taskId, (task) => {
      const outcome = taskDecider.decideApproval(command, task, this.config.rules, this.clock.now());
      return isRejection(outcome) ? [rejectionDraft(taskId, outcome)] : outcome;
    });
  }

  /** A person raised a task's budget: recorded (a task waiting for it then queues for a slot), or refused. */
  async raiseBudget(command: MessageOf<'RaiseTaskBudget'>): Promise<void> {
    const { taskId, budgetUsd, by } = command.data;
    this.logger.log(`Budget of task ${taskId} raised to $${budgetUsd} by ${by}`);
    await this.decideOnTask(command, taskId, (task) => {
      const outcome = decideRaiseBudget(command, task, this.config.rules, this.clock.now());
      return isRejection(outcome) ? [rejectionDraft(taskId, outcome)] : outcome;
    });
  }

  /** A follow-up on a done or failed task: recorded (then queued for a slot as it is followed), or refused. */
  async requestFollowUp(command: MessageOf<'RequestFollowUp'>): Promise<void> {
    const { taskId, by } = command.data;
    this.logger.log(`Follow-up by ${by} for task ${taskId}`);
    await this.decideOnTask(command, taskId, (task) => {
      const outcome = taskDecider.decideFollowUp(command, task, this.clock.now());
      return isRejection(outcome) ? [rejectionDraft(taskId, outcome)] : outcome;
    });
  }

  /** A task the task decider let through: the scheduler admits or queues it (or knows it already). */
  private admit(command: OrchMessage, request: AdmissionRequest): Promise<SchedulerEvent[]> {
    return this.decideOnScheduler(command, (scheduler) => decideAdmission(request, scheduler, this.config.rules, this.clock.now()));
  }

  /** A refused command is answered on the task's subject. */
  private async reject(command: OrchMessage, taskId: string, outcome: Rejection): Promise<void> {
    await this.decideOnTask(command, taskId, () => [rejectionDraft(taskId, outcome)]);
  }

  /**
   * An event as its consumer delivers it. One this process appended is followed at once
   * (see `follow`); its delivery then only confirms it, unless following it failed.
   */
  async onEvent(event: FollowedEvent): Promise<void> {
    const inline = this.following.get(event.id);
    if (inline !== undefined) {
      if (await inline.then(() => true, () => false)) return;
    } else if (this.followed.delete(event.id)) {
      return;
    }
    await this.handle(event);
  }

  /**
   * Follows the events this process just appended without waiting for their delivery:
   * the next step of a task (the next stage's run, the next admission) starts one
   * consumer round trip sooner. Handling is idempotent, so the delivery that comes later,
   * or a redelivery after a crash here, decides nothing new.
   */
  private async follow(events: readonly OrchEvent[]): Promise<void> {
    for (const event of events) {
      if (!isFollowed(event)) continue;
      const handling = this.handle(event);
      this.following.set(event.id, handling);
      try {
        await handling;
        this.followed.add(event.id);
        if (this.followed.size > MAX_FOLLOWED) this.followed.delete(this.followed.values().next().value as string);
      } finally {
        this.following.delete(event.id);
      }
    }
  }

  private async handle(event: FollowedEvent): Promise<void> {
    switch (event.type) {
      case 'OrchestrationAdmitted':
        await this.decideOnTask(event, event.data.taskId, (task) => taskDecider.decideAdmitted(event, task));
        return;
      case 'OrchestrationQueued':
      case 'OrchestrationReleased':
      case 'OrchestrationUnblocked':
        await this.decideOnScheduler(event, (scheduler) => decideAdmissions(scheduler, this.config.rules, this.clock.now()));
        return;
      case 'StageCostRecorded':
        // counted in the scheduler's day spend as it was appended: nothing follows
        return;
      case 'CredentialPaused':
        this.logger.warn(`Dispatch on credential ${event.data.credential} paused until ${event.data.until} (${event.data.limit} of task ${event.data.taskId})`);
        this.armResume(event.data.credential, Date.parse(event.data.until), event);
        return;
      case 'OrchestrationCompleted':
      case 'OrchestrationFailed':
      case 'OrchestrationCancelled':
      case 'TaskWaiting':
      {
        this.logSlotRelease(event);
        await this.react(event, event.data.taskId);
        const { state: task } = await this.loadTask(event.data.taskId);
        await this.decideOnScheduler(event, (scheduler) => decideRelease(event, task, scheduler, this.config.rules, this.clock.now()));
        // an end settles the queued tasks blocked by this one (a wait leaves them waiting)
        if (event.type !== 'TaskWaiting') await this.settleDependents(event, event.data.taskId);
        else this.armTimers(task);
        return;
      }
      case 'TaskPullRequestClosed':
        await this.settleDependents(event, event.data.taskId);
        return;
      case 'TaskWaitEnded':
      case 'FollowUpRequested': {
        // the task goes on with its next stage: it queues for a slot again, at the back
        const request = taskDecider.admissionAfter(event);
        if (request === null) return;
        const { state: task } = await this.loadTask(request.taskId);
        for (const queued of await this.admit(event, { ...request, queue: await this.queueFactsOf(task, []) })) {
          if (queued.type === 'OrchestrationQueued') this.logger.warn(`Concurrency limit reached, queuing task ${request.taskId} at position ${queued.data.position}`);
        }
        return;
      }
      case 'StageScheduled': {
        await this.react(event, event.data.taskId);
        const { state } = await this.loadTask(event.data.taskId);
        this.armTimers(state);
        return;
      }
      case 'LeaseGranted':
        await this.react(event, event.data.taskId);
        return;
      case 'StageStarted': {
        this.timers.cancel(`start-deadline:${event.data.stageId}:${event.data.attempt}`);
        const { state } = await this.loadTask(event.data.taskId);
        this.armTimers(state);
        return;
      }
      case 'RunHeartbeat':
        this.heartbeats.set(`${event.data.stageId}:${event.data.attempt}`, { taskId: event.data.taskId, at: this.clock.now().getTime() });
        await this.react(event, event.data.taskId);
        return;
      case 'StageCompleted':
        // nothing to send: the stage's lease stays with the task for the next stage
        this.forget(event.data.stageId, event.data.attempt);
        {
          const daily = await this.dailyBudgetsAfter(event);
          const { state } = await this.decideOnTask(event, event.data.taskId, (task) => taskDecider.decideStageCompleted(event, task, this.config.rules, daily));
          this.armTimers(state);
        }
        return;
      case 'StageFailed':
      case 'StageTimedOut': {
        this.forget(event.data.stageId, event.data.attempt);
        if (event.type === 'StageFailed') await this.dailyBudgetsAfter(event);
        this.logger.error(`Stage ${event.data.stageType} failed for task ${event.data.taskId}: ${event.data.reason}`);
        await this.react(event, event.data.taskId);
        const { state } = await this.decideOnTask(event, event.data.taskId, (task) => taskDecider.decideStageFailed(event, task, this.config.rules, this.clock.now()));
        this.armTimers(state);
        return;
      }
      case 'StageCancelled':
        this.forget(event.data.stageId, event.data.attempt);
        await this.react(event, event.data.taskId);
        return;
      case 'StageParked': {
        this.forget(event.data.stageId, event.data.attempt);
        await this.dailyBudgetsAfter(event);
        this.logger.warn(`Stage ${event.data.stageType} parked for task ${event.data.taskId} (${event.data.limit} of credential ${event.data.credential}): ${event.data.reason}`);
        await this.react(event, event.data.taskId);
        const { state } = await this.decideOnTask(event, event.data.taskId, (task) => taskDecider.decideStageParked(event, task, this.config.rules, this.clock.now()));
        this.armTimers(state);
        // dispatch on the credential pauses until the stage runs again (a redelivery reads the retry already decided)
        const retry = state.pendingRetry;
        if (retry?.stageId === event.data.stageId && retry.attempt === event.data.attempt) await this.decideOnScheduler(event, (scheduler) => decidePause(event, retry.retryAt, scheduler));
        return;
      }
      case 'StageRetryScheduled': {
        const { state } = await this.loadTask(event.data.taskId);
        this.armTimers(state);
        return;
      }
      case 'LeaseRevoked':
      case 'LeaseExpired':
        await this.decideOnTask(event, event.data.taskId, (task) => taskDecider.decideLeaseLost(event, task, this.clock.now()));
        return;
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  }

  /** Arms the deadline of a running attempt (or of one scheduled and not started yet) and the backoff of a pending retry. */
  private armTimers(task: TaskState): void {
    const now = this.clock.now().getTime();
    const stage = currentStage(task);
    if (task.status === 'running' && stage?.status === 'scheduled') {
      const { stageId, attempt } = stage;
      this.timers.arm(`start-deadline:${stageId}:${attempt}`, taskDecider.startDeadlineOf(stage, this.config.rules), () => {
        const cause: Cause = { id: deterministicId(stageId, attempt, 'start-time-out'), correlationId: task.orchestrationId ?? stageId };
        this.decideOnTask(cause, task.taskId, (current) => taskDecider.decideStartDeadline(current, stageId, attempt, this.clock.now(), this.config.rules)).catch((error: unknown) =>
          this.logger.error(`Could not time out stage ${stageId} of task ${task.taskId}, never started: ${(error as Error).message}`),
        );
      });
    }
    if (task.status === 'running' && stage?.status === 'running' && stage.deadlineAt) {
      const key = `${stage.stageId}:${stage.attempt}`;
      if (!this.heartbeats.has(key)) this.heartbeats.set(key, { taskId: task.taskId, at: now });
      this.timers.arm(`deadline:${key}`, Date.parse(stage.deadlineAt), () =>
        this.timeOut(task.taskId, stage.stageId, stage.attempt, { cause: 'deadline', reason: `${stage.stageType} passed its deadline ${stage.deadlineAt}` }),
      );
    }
    const waitingFor = task.waitingFor;
    if (task.status === 'waiting' && waitingFor?.kind === 'budget' && waitingFor.day !== undefined) {
      // a daily cap: checked again at the next UTC day, and each re-drive interval before it (a raised cap lets it go on)
      const { day } = waitingFor;
      const { taskId, orchestrationId } = task;
      this.timers.arm(`daily-budget:${taskId}`, Math.min(nextDayStart(day), now + this.config.redriveIntervalS * 1000), () => {
        const at = this.clock.now();
        const cause: Cause = { id: deterministicId(taskId, day, 'daily-budget', at.toISOString()), correlationId: orchestrationId ?? taskId };
        const by = utcDay(at) === day ? 'a raised daily cap' : 'the next UTC day';
        this.dailyBudgetsOf(task)
          .then((daily) => this.decideOnTask(cause, taskId, (current) => decideDailyRecheck(current, daily, at, by)))
          .then(({ state }) => this.armTimers(state))
          .catch((error: unknown) => this.logger.error(`Could not check the daily budgets of task ${taskId} again: ${(error as Error).message}`));
      });
    }
    const retry = task.pendingRetry;
    if (task.status === 'running' && retry) {
      const cause: Cause = { id: retry.eventId, correlationId: retry.correlationId };
      this.timers.arm(`retry:${retry.stageId}:${retry.nextAttempt}`, Date.parse(retry.retryAt), () => {
        this.decideOnTask(cause, task.taskId, (current) => taskDecider.decideRetryDue(current, this.clock.now())).catch((error: unknown) =>
          this.logger.error(`Retry of stage ${retry.stageId} for task ${task.taskId} could not be scheduled: ${(error as Error).message}`),
        );
      });
    }
  }

  /** When a credential's pause lifts, the queue is admitted in order (the parked task kept its slot and resumes on its own timer). */
  private armResume(credential: string, until: number, cause: Cause): void {
    this.timers.arm(`resume:${credential}:${until}`, until, () => {
      this.decideOnScheduler(cause, (scheduler) => decideAdmissions(scheduler, this.config.rules, this.clock.now())).catch((error: unknown) =>
        this.logger.error(`Could not admit the queue after credential ${credential}'s pause: ${(error as Error).message}`),
      );
    });
  }

  /**
   * Times out the running attempts not heard from in `timeoutMs`. The heartbeats this
   * process was delivered are only some of them — with several orchestrators the
   * heartbeats' consumer shares them out, and an attempt armed from the log may never have
   * been delivered one here — so before it times an attempt out it reads the task's last
   * stored heartbeat: one of the same attempt sent in time keeps it running.
   */
  private async checkHeartbeats(timeoutMs: number): Promise<void> {
    const stale = [...this.heartbeats].filter(([, beat]) => this.clock.now().getTime() - beat.at >= timeoutMs);
    for (const [key, beat] of stale) {
      const [stageId = '', attempt = '0'] = key.split(':');
      try {
        const stored = await this.lastHeartbeats.last(beat.taskId);
        const sentAt = stored?.stageId === stageId && stored.attempt === Number(attempt) ? Date.parse(stored.sentAt) : Number.NaN;
        if (this.heartbeats.get(key) !== beat) continue; // ended, or heard from, meanwhile
        if (sentAt > beat.at && this.clock.now().getTime() - sentAt < timeoutMs) {
          this.heartbeats.set(key, { taskId: beat.taskId, at: sentAt });
          continue;
        }
      } catch (error) {
        this.logger.warn(`Could not read the last heartbeat of task ${beat.taskId}, checking again: ${(error as Error).message}`);
        continue;
      }
      this.heartbeats.delete(key);
      await this.timeOut(beat.taskId, stageId, Number(attempt), { cause: 'heartbeat-lost', reason: `the runner stopped heartbeating (none for ${Math.round(timeoutMs / 1000)} s)` });
    }
  }

  private async timeOut(taskId: string, stageId: string, attempt: number, why: TimeOut): Promise<void> {
    try {
      const { state } = await this.loadTask(taskId);
      const cause: Cause = { id: deterministicId(stageId, attempt, 'time-out'), correlationId: state.orchestrationId ?? stageId };
      await this.decideOnTask(cause, taskId, (task) => taskDecider.decideDeadline(task, stageId, attempt, this.clock.now(), why));
    } catch (error) {
      this.logger.error(`Could not time out stage ${stageId} of task ${taskId}: ${(error as Error).message}`);
    }
  }

  private forget(stageId: string, attempt: number): void {
    const key = `${stageId}:${attempt}`;
    this.heartbeats.delete(key);
    this.timers.cancel(`deadline:${key}`);
    this.timers.cancel(`start-deadline:${key}`);
  }

  private logSlotRelease(event: SlotReleasingEvent): void {
    if (event.type === 'TaskWaiting') this.logger.log(`Task ${event.data.taskId} waits for ${describeWait(event.data.waitingFor)}; its slot and lease are released`);
    else if (event.type === 'OrchestrationCompleted') this.logger.log(`Orchestration completed for task ${event.data.taskId}`);
    else if (event.type === 'OrchestrationFailed') this.logger.error(`Orchestration failed for task ${event.data.taskId}: ${event.data.reason}`);
    else this.logger.warn(`Orchestration cancelled for task ${event.data.taskId}: ${event.data.reason}`);
  }

  /** Decides on the scheduler's subject and follows what was appended; resolves with it. */
  private async decideOnScheduler(cause: Cause, decide: (scheduler: SchedulerState) => SchedulerDraft[]): Promise<SchedulerEvent[]> {
    const { appended } = await this.store.decide(this.nats.subjects.scheduler, schedulerFold, (scheduler) =>
      decide(scheduler).map((item) => sealDraft(cause, SCHEDULER_AGGREGATE, item, this.origin())),
    );
    await this.follow(appended);
    return appended;
  }

  /** Decides on the task's subject and follows what was appended. */
  private async decideOnTask(cause: Cause, taskId: string, decide: (task: TaskState) => TaskDraft[]) {
    const result = await this.store.decide(this.nats.subjects.task(taskId), taskFold(taskId), (task) =>
      decide(task).map((item): TaskEvent => sealDraft(cause, taskId, item, this.origin())),
    );
    for (const event of result.appended) {
      if (event.type === 'StageScheduled') {
        this.logger.debug(`Context passed to stage ${event.data.stageType}: ${JSON.stringify(event.data.context).slice(0, 500)}`);
      }
      if (event.type === 'OrchestrationRejected') this.logger.warn(`Task ${taskId}: ${event.data.reason}`);
    }
    await this.follow(result.appended);
    return result;
  }

  /** The saga's step: the commands the event asks for, given the task's state, sent. */
  private async react(event: OrchEvent, taskId: string): Promise<void> {
    const { state, lastSeq } = await this.loadTask(taskId);
    for (const item of react(event, state, lastSeq, this.config.rules)) {
      await this.publisher.send(sealDraft(event, taskId, item, this.origin()));
    }
  }

  private loadTask(taskId: string) {
    return this.store.load(this.nats.subjects.task(taskId), taskFold(taskId));
  }

  private origin() {
    return { producer: this.config.messaging.producer, occurredAt: this.clock.nowIso() };
  }
}

function describeWait(waitingFor: WaitingFor): string {
  if (waitingFor.kind === 'budget' && waitingFor.day !== undefined) {
    const whose = waitingFor.scope === 'project-day' ? "its project's" : 'the';
    return `the next UTC day or a raise of ${whose} daily budget (spent $${waitingFor.spentUsd.toFixed(2)} of $${waitingFor.budgetUsd.toFixed(2)} on ${waitingFor.day})`;
  }
  if (waitingFor.kind === 'budget') return `a raise of its budget (spent $${waitingFor.spentUsd.toFixed(2)} of $${waitingFor.budgetUsd.toFixed(2)})`;
  return `approval of the ${waitingFor.gate === 'spec' ? 'specification' : 'result'} (revision ${waitingFor.revision})`;
}

function rejectionDraft(taskId: string, outcome: Rejection): TaskDraft {
  return draft('OrchestrationRejected', { taskId, reason: outcome.rejected });
}
