import { Injectable, Logger } from '@nestjs/common';
import { DEFAULT_TASK_PRIORITY, uuidv7, type ApprovalPolicy, type StageExecutors, type TaskStatus } from '@app/contracts';
import { MessagePublisher, NatsClient, SubjectReader } from '@app/messaging';
import { StageEntity, TaskEntity } from '@app/persistence';
import { asDependencyFailure } from '../errors/dependency.errors';
import { ConcurrentChange, DependencyUnavailable, InvalidInput, NotFoundError, TaskNotDeletable, TaskQueueSettingsFixed } from '../errors/gateway.errors';
import { ReadModel, type ColumnCountRows, type TaskFilter, type TaskPageRows, type TaskRow } from '../projection/read-model.repository';
import { ProjectionService } from '../projection/projection.service';
import { GatewayMessages } from './gateway-messages';
import { ProjectsService } from './projects.service';
import { cycleThrough } from './task-dependencies';

/** milliseconds a create or delete waits for its event to be projected, so a read right after sees it */
const PROJECTION_WAIT_MS = 2_000;
/** milliseconds a read of a task the projection has not applied yet waits for it */
const LAGGING_READ_WAIT_MS = 10_000;
/** A task in one of these states is still in the scheduler's hands: cancel it before deleting it. */
const ACTIVE_STATUSES: readonly TaskStatus[] = ['queued', 'running', 'waiting'];

export interface NewTask {
  title: string;
  description: string;
  repoPath: string | null;
  baseBranch: string | null;
  /** the project whose repository the task works in; null for a local repoPath or a scratch directory */
  projectId: string | null;
  /** null: the project's policy, else auto */
  approvalPolicy: ApprovalPolicy | null;
  /** the executor of a stage, over the project's for that stage */
  stageExecutors: StageExecutors;
  /** 0–9; null for the project's defaultPriority (or 5) */
  priority: number | null;
  /** the tasks it waits for */
  blockedBy: string[];
}

/** What a task not started yet may change of its place in the queue. */
export interface QueueSettingsUpdate {
  priority?: number | undefined;
  blockedBy?: string[] | undefined;
}

export type { ColumnCountRows, TaskFilter, TaskPageRows, TaskRow };

/** Tasks: reads from the projection; writes are events appended to the task's subject. */
@Injectable()
export class TasksService {
  private readonly logger = new Logger('Tasks');

  constructor(
    private readonly readModel: ReadModel,
    private readonly publisher: MessagePublisher,
    private readonly reader: SubjectReader,
    private readonly nats: NatsClient,
    private readonly projection: ProjectionService,
    private readonly messages: GatewayMessages,
    private readonly projects: ProjectsService,
  ) {}

  /** Appends TaskCreated and waits (briefly) for the projection, so a read right after sees it. */
  async create(input: NewTask): Promise<TaskEntity> {
    const taskId = uuidv7(this.messages.now().getTime());
    const { projectId, priority, ...fields } = input;
    // the project's repository settings are copied into the task: the orchestrator passes them to every stage unchanged
    const project = projectId === null ? null : await this.projects.remoteOf(projectId, 'projectId');
    const workspace = project === null ? {} : { baseBranch: fields.baseBranch ?? project.defaultBranch, remote: project.remote };
    await this.checkBlockersExist(input.blockedBy);
    const queue = { priority: priority ?? project?.defaultPriority ?? DEFAULT_TASK_PRIORITY, blockedBy: input.blockedBy };
    const stageExecutors = { ...project?.stageExecutors, ...fields.stageExecutors };
    const approvalPolicy = fields.approvalPolicy ?? project?.approvalPolicy ?? 'auto';
    const event = this.messages.create('TaskCreated', taskId, { taskId, ...fields, ...workspace, stageExecutors, approvalPolicy, ...queue });
    const result = await this.publisher.append(event, 0);
    if (result.ok) await this.projection.waitFor(result.seq, PROJECTION_WAIT_MS);
    this.logger.log(`Created task ${taskId}: ${input.title}`);
    const task = await this.readModel
      .task(taskId)
      .catch((error: unknown) => {
        // the task exists once its event is stored: a read model that cannot be read does not undo it
        if (result.ok && asDependencyFailure(error)) return null;
        throw error;
      });
    return task ?? newTaskRow(taskId, { ...input, ...queue, baseBranch: workspace.baseBranch ?? input.baseBranch, approvalPolicy }, new Date(event.occurredAt), result.ok ? result.seq : 0);
  }

  /**
   * A task not started yet gets another priority or other blockers (TaskQueueSettingsChanged,
   * appended against its subject's last sequence). Blockers must exist and must not close a
   * cycle (a 400 naming it); once started its place in the queue is the scheduler's (409).
   */
  async updateQueueSettings(taskId: string, update: QueueSettingsUpdate): Promise<TaskEntity> {
    const task = await this.get(taskId);
    if (task.status !== 'created') {
      throw new TaskQueueSettingsFixed(`task ${taskId} is ${task.status}; its priority and blockers can be changed only before it is started`, [{ field: 'id', problem: `task is ${task.status}` }]);
    }
    const blockedBy = update.blockedBy ?? task.blockedBy;
    await this.checkBlockersExist(blockedBy);
    const cycle = cycleThrough(taskId, blockedBy, await this.blockerGraph(blockedBy));
    if (cycle !== null) {
      throw new InvalidInput(`blockedBy would make a cycle: ${cycle.join(' → ')}`, [{ field: 'blockedBy', problem: `would make a cycle: ${cycle.join(' → ')}` }]);
    }
    const subjectSeq = await this.reader.lastSequence(this.nats.subjects.task(taskId));
    const settings = { taskId, priority: update.priority ?? task.priority, blockedBy };
    const result = await this.publisher.append(this.messages.create('TaskQueueSettingsChanged', taskId, settings), subjectSeq);
    if (!result.ok) throw new ConcurrentChange(`task ${taskId} changed while it was being updated; read it again and retry`, [{ field: 'id', problem: 'changed concurrently' }]);
    await this.projection.waitFor(result.seq, PROJECTION_WAIT_MS);
    this.logger.log(`Task ${taskId}: priority ${settings.priority}, blocked by ${blockedBy.length === 0 ? 'none' : blockedBy.join(', ')}`);
    return this.get(taskId);
  }

  /** Each blocker must be a task (a 400 naming its place in blockedBy). */
  private async checkBlockersExist(blockedBy: readonly string[]): Promise<void> {
    for (const [index, blockerId] of blockedBy.entries()) {
      const field = `blockedBy[${index}]`;
      await this.get(blockerId, field).catch((error: unknown) => {
        if (error instanceof NotFoundError) throw new InvalidInput(`${field}: task ${blockerId} does not exist`, [{ field, problem: 'no task with this id' }]);
        throw error;
      });
    }
  }

  /** The blockers of every task reachable from `blockedBy` through the read model's blocked_by, in one recursive query. */
  private async blockerGraph(blockedBy: readonly string[]): Promise<(id: string) => readonly string[]> {
    const rows = await this.readModel.blockersReachableFrom(blockedBy);
    const edges = new Map(rows.map((row) => [row.id, row.blocked_by]));
    return (id) => edges.get(id) ?? [];
  }

  /**
   * A page of tasks with the total that match and the checkpoint it was read at (one
   * snapshot): newest first, or in a column's order when filtered by column.
   */
  list(filter: TaskFilter): Promise<TaskPageRows> {
    return this.readModel.taskPage(filter);
  }

  /** How many tasks each column of the board holds (those whose title contains `q`, when given). */
  countColumns(q: string | undefined): Promise<ColumnCountRows> {
    return this.readModel.columnCounts(q);
  }

  /** The task's row with when it began. */
  async view(taskId: string): Promise<TaskRow> {
    const task = await this.get(taskId);
    return { task, startedAt: await this.readModel.startOf(task.id) };
  }

  /**
   * The task's row. A task the read model does not show yet may exist all the same (the
   * projection lags behind a create): the log decides — a task whose subject holds events
   * is waited for until the projection has applied them; only then is it not found (it
   * never existed, or it was deleted).
   */
  async get(taskId: string, field = 'id'): Promise<TaskEntity> {
    const task = await this.readModel.task(taskId);
    if (task) return task;
    // taskId is a UUID (uuidParam at the HTTP edge), so it names one subject
    const lastSeq = await this.reader.lastSequence(this.nats.subjects.task(taskId));
    if (lastSeq === 0) throw new NotFoundError('task', taskId, field);
    if (!(await this.projection.waitFor(lastSeq, LAGGING_READ_WAIT_MS))) {
      throw new DependencyUnavailable(`task ${taskId} exists but the read model has not caught up with it within ${LAGGING_READ_WAIT_MS / 1000} s; try again`, {
        projection: { lastApplied: this.projection.lastApplied, needed: lastSeq },
      });
    }
    const projected = await this.readModel.task(taskId);
    if (!projected) throw new NotFoundError('task', taskId, field);
    return projected;
  }

  /**
   * Appends TaskDeleted, against the task subject's last sequence so that nothing the
   * orchestrator appended since the check is overlooked. A queued or running task must be
   * cancelled first.
   */
  async delete(taskId: string): Promise<void> {
    const task = await this.get(taskId);
    if (ACTIVE_STATUSES.includes(task.status)) {
      throw new TaskNotDeletable(`task ${taskId} is ${task.status}; cancel it before deleting it`, [{ field: 'id', problem: `task is ${task.status}` }]);
    }
    const subjectSeq = await this.reader.lastSequence(this.nats.subjects.task(taskId));
    const result = await this.publisher.append(this.messages.create('TaskDeleted', taskId, { taskId }), subjectSeq);
    if (!result.ok) throw new ConcurrentChange(`task ${taskId} changed while it was being deleted; read it again and retry`, [{ field: 'id', problem: 'changed concurrently' }]);
    await this.projection.waitFor(result.seq, PROJECTION_WAIT_MS);
    this.logger.log(`Deleted task ${taskId}`);
  }

  /** The task's stage runs, in the order they were scheduled. */
  async stages(taskId: string): Promise<StageEntity[]> {
    await this.get(taskId, 'taskId');
    return this.readModel.stagesOf(taskId);
  }

  async stage(stageId: string): Promise<StageEntity> {
    const stage = await this.readModel.stage(stageId);
    if (!stage) throw new NotFoundError('stage', stageId, 'id');
    return stage;
  }
}

/** The row TaskCreated will project, for an answer while the projection lags. */
function newTaskRow(id: string, input: NewTask & { approvalPolicy: ApprovalPolicy }, createdAt: Date, lastEventSeq: number): TaskEntity {
  return Object.assign(new TaskEntity(), {
    id,
    ...input,
    status: 'created',
    waitingFor: null,
    decisions: [],
    pullRequestUrl: null,
    pullRequestState: null,
    createdAt,
    updatedAt: createdAt,
    orchestrationId: null,
    currentStage: null,
    queuePosition: null,
    queuedSeq: null,
    failureReason: null,
    reworkCount: 0,
    retryCount: 0,
    totalCostUsd: 0,
    lastEventSeq,
  });
}
