import { Injectable, Logger } from '@nestjs/common';
import { uuidv7, type ApprovalPolicy, type StageExecutors, type TaskStatus } from '@app/contracts';
import { MessagePublisher, NatsClient, SubjectReader } from '@app/messaging';
import { StageEntity, TaskEntity } from '@app/persistence';
import { asDependencyFailure } from '../errors/dependency.errors';
import { ConcurrentChange, DependencyUnavailable, NotFoundError, TaskNotDeletable } from '../errors/gateway.errors';
import { ReadModel, type ColumnCountRows, type TaskFilter, type TaskPageRows, type TaskRow } from '../projection/read-model.repository';
import { ProjectionService } from '../projection/projection.service';
import { GatewayMessages } from './gateway-messages';
import { ProjectsService } from './projects.service';

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
    const { projectId, ...fields } = input;
    // the project's repository settings are copied into the task: the orchestrator passes them to every stage unchanged
    const project = projectId === null ? null : await this.projects.remoteOf(projectId, 'projectId');
    const workspace = project === null ? {} : { baseBranch: fields.baseBranch ?? project.defaultBranch, remote: project.remote };
    const stageExecutors = { ...project?.stageExecutors, ...fields.stageExecutors };
    const approvalPolicy = fields.approvalPolicy ?? project?.approvalPolicy ?? 'auto';
    const event = this.messages.create('TaskCreated', taskId, { taskId, ...fields, ...workspace, stageExecutors, approvalPolicy });
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
    return task ?? newTaskRow(taskId, { ...input, baseBranch: workspace.baseBranch ?? input.baseBranch, approvalPolicy }, new Date(event.occurredAt), result.ok ? result.seq : 0);
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
