import { Inject, Injectable, Logger } from '@nestjs/common';
import { decisionRefusal, deterministicId, followUpRefusal, isEndedStatus, orchestrationIdFor, retryRefusal, startRefusal, type MessageData, type OrchCommand } from '@app/contracts';
import { MessagePublisher } from '@app/messaging';
import { TaskEntity } from '@app/persistence';
import { CommandRefused, DecisionRefused, FollowUpRefused, OrchestrationDisabled, StageNotRetryable, TaskNotCancellable, TaskNotStartable } from '../errors/gateway.errors';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { ReadModel, type QueueRows } from '../projection/read-model.repository';
import { DecisionWaiter } from './decision.waiter';
import { GatewayMessages } from './gateway-messages';
import { TasksService } from './tasks.service';

/** Where a start or a retry stands after the wait: admitted, queued, or not decided yet. */
export type Admission = { status: 'running' } | { status: 'queued'; position: number } | { status: 'pending' };

export interface StartOutcome {
  orchestrationId: string;
  admission: Admission;
}

export type { QueueRows };

const ADMISSION_EVENTS = ['OrchestrationAdmitted', 'OrchestrationQueued', 'OrchestrationRejected'] as const;

/**
 * The users' commands to the orchestrator (start, cancel, retry): checked against the
 * projection first, so the obvious refusals come back at once with a reason; then sent,
 * and the orchestrator's decision awaited briefly, since it is the one that decides.
 */
@Injectable()
export class OrchestrationService {
  private readonly logger = new Logger('OrchestratorApi');

  constructor(
    private readonly readModel: ReadModel,
    private readonly publisher: MessagePublisher,
    private readonly tasks: TasksService,
    private readonly decisions: DecisionWaiter,
    private readonly messages: GatewayMessages,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** StartOrchestration; with an idempotency key, the same key yields the same command and answer. */
  async start(taskId: string, idempotencyKey?: string): Promise<StartOutcome> {
    if (!this.config.orchestratorEnabled) throw new OrchestrationDisabled();
    const task = await this.tasks.get(taskId, 'taskId');
    const commandId = idempotencyKey === undefined ? undefined : deterministicId('gateway-start', taskId, idempotencyKey);
    const command = this.messages.create('StartOrchestration', taskId, { taskId }, commandId);
    const orchestrationId = orchestrationIdFor(command.id);
    if (task.orchestrationId === orchestrationId) return { orchestrationId, admission: admissionOf(task) };
    const refused = startRefusal(taskId, task.status);
    if (refused !== null) throw new TaskNotStartable(refused, [{ field: 'taskId', problem: `task is ${task.status}` }]);
    this.logger.log(`Starting orchestration for task ${taskId}`);
    const admission = await this.sendAndAwaitAdmission(command, 'taskId');
    return { orchestrationId, admission: admission.status === 'pending' ? admissionOf(await this.tasks.get(taskId, 'taskId'), orchestrationId) : admission };
  }

  /**
   * CancelOrchestration. A task that ended is refused at once; one the projection still
   * shows as created may have a start in flight, so the orchestrator decides (and refuses
   * with its reason when there is nothing to cancel).
   */
  async cancel(taskId: string, reason: string): Promise<'cancelled' | 'cancelling'> {
    const task = await this.tasks.get(taskId, 'taskId');
    if (isEndedStatus(task.status)) {
      throw new TaskNotCancellable(`task ${taskId} cannot be cancelled: it is already ${task.status}`, [{ field: 'taskId', problem: `task is ${task.status}` }]);
    }
    const command = this.messages.create('CancelOrchestration', taskId, { taskId, reason });
    const decision = this.decisions.expect(command.id, ['OrchestrationCancelled', 'OrchestrationRejected']);
    await this.publisher.send(command);
    this.logger.warn(`Cancelling orchestration for task ${taskId}: ${reason}`);
    const event = await decision;
    if (event?.type === 'OrchestrationRejected') throw new CommandRefused(event.data.reason, [{ field: 'taskId', problem: event.data.reason }]);
    return event === null ? 'cancelling' : 'cancelled';
  }

  /**
   * RaiseTaskBudget, by `by` (the token's name): the orchestrator records it and lets a task
   * waiting for its budget go on, or refuses it with the reason (no raise, not above what it spent).
   */
  async raiseBudget(taskId: string, budgetUsd: number, by: string): Promise<void> {
    await this.tasks.get(taskId, 'id');
    const command = this.messages.create('RaiseTaskBudget', taskId, { taskId, budgetUsd, by });
    const decision = this.decisions.expect(command.id, ['TaskBudgetRaised', 'OrchestrationRejected']);
    await this.publisher.send(command);
    const event = await decision;
    if (event?.type === 'OrchestrationRejected') throw new CommandRefused(event.data.reason, [{ field: 'budgetUsd', problem: event.data.reason }]);
    this.logger.log(`Budget of task ${taskId} raised to $${budgetUsd} by ${by}`);
  }

  /** RetryStage for the failed stage of a task that failed or was cancelled. */
  async retry(stageId: string): Promise<{ taskId: string; admission: Admission }> {
    if (!this.config.orchestratorEnabled) throw new OrchestrationDisabled();
    const stage = await this.tasks.stage(stageId);
    if (stage.status !== 'failed') {
      throw new StageNotRetryable(`stage ${stageId} is ${stage.status}; only a failed stage can be retried`, [{ field: 'id', problem: `stage is ${stage.status}` }]);
    }
    const task = await this.tasks.get(stage.taskId, 'id');
    const refused = retryRefusal(task.id, task.status);
    if (refused !== null) throw new StageNotRetryable(refused, [{ field: 'id', problem: `task is ${task.status}` }]);
    this.logger.log(`Retrying ${stage.stageType} (attempt ${stage.attempt + 1}) for task ${task.id}`);
    const command = this.messages.create('RetryStage', task.id, { taskId: task.id, stageId });
    return { taskId: task.id, admission: await this.sendAndAwaitAdmission(command, 'id') };
  }

  /**
   * DecideApproval on a waiting task's revision, `by` the request's token name. Refused at
   * once (409) when the projection shows the task not waiting or waiting on another
   * revision; the orchestrator decides for good (and refuses with its reason).
   */
  async decide(taskId: string, decision: Omit<MessageData<'DecideApproval'>, 'taskId'>): Promise<'recorded' | 'pending'> {
    const task = await this.tasks.get(taskId, 'id');
    const refused = decisionRefusal(taskId, task.status, task.waitingFor, decision.revision);
    if (refused !== null) {
      const waitingFor = task.waitingFor;
      const problem = waitingFor?.kind === 'approval' ? { field: 'revision', problem: `the task waits on revision ${waitingFor.revision}` } : { field: 'id', problem: `task is ${task.status}` };
      throw new DecisionRefused(refused, [problem]);
    }
    const command = this.messages.create('DecideApproval', taskId, { taskId, ...decision });
    const outcome = this.decisions.expect(command.id, ['TaskDecisionRecorded', 'OrchestrationRejected']);
    await this.publisher.send(command);
    this.logger.log(`Decision ${decision.decision} by ${decision.by} on revision ${decision.revision} of task ${taskId}`);
    const event = await outcome;
    if (event?.type === 'OrchestrationRejected') throw new DecisionRefused(event.data.reason, [{ field: 'revision', problem: event.data.reason }]);
    return event === null ? 'pending' : 'recorded';
  }

  /** RequestFollowUp on a done or failed task: a new implementation round, then QA (and its gate). */
  async followUp(taskId: string, prompt: string, by: string): Promise<'requested' | 'pending'> {
    if (!this.config.orchestratorEnabled) throw new OrchestrationDisabled();
    const task = await this.tasks.get(taskId, 'id');
    const refused = followUpRefusal(taskId, task.status);
    if (refused !== null) throw new FollowUpRefused(refused, [{ field: 'id', problem: `task is ${task.status}` }]);
    const command = this.messages.create('RequestFollowUp', taskId, { taskId, prompt, by });
    const outcome = this.decisions.expect(command.id, ['FollowUpRequested', 'OrchestrationRejected']);
    await this.publisher.send(command);
    this.logger.log(`Follow-up by ${by} on task ${taskId}`);
    const event = await outcome;
    if (event?.type === 'OrchestrationRejected') throw new FollowUpRefused(event.data.reason, [{ field: 'id', problem: event.data.reason }]);
    return event === null ? 'pending' : 'requested';
  }

  /** The running and queued tasks (queue in order), as of one projection checkpoint. */
  queue(): Promise<QueueRows> {
    return this.readModel.queue();
  }


  private async sendAndAwaitAdmission(command: OrchCommand, field: string): Promise<Admission> {
    const decision = this.decisions.expect(command.id, ADMISSION_EVENTS);
    await this.publisher.send(command);
    const event = await decision;
    if (event === null) return { status: 'pending' };
    switch (event.type) {
      case 'OrchestrationRejected':
        throw new CommandRefused(event.data.reason, [{ field, problem: event.data.reason }]);
      case 'OrchestrationQueued':
        this.logger.warn(`Concurrency limit reached, task ${event.data.taskId} queued at position ${event.data.position}`);
        return { status: 'queued', position: event.data.position };
      case 'OrchestrationAdmitted':
        return { status: 'running' };
      default: {
        const _exhaustive: never = event;
        return _exhaustive;
      }
    }
  }
}

/** The admission a projected task shows (for its own orchestration, when one is given). */
function admissionOf(task: TaskEntity, orchestrationId: string | null = task.orchestrationId): Admission {
  if (task.orchestrationId !== orchestrationId) return { status: 'pending' };
  if (task.status === 'queued' && task.queuePosition !== null) return { status: 'queued', position: task.queuePosition };
  if (task.status === 'running' || isEndedStatus(task.status)) return { status: 'running' };
  return { status: 'pending' };
}
