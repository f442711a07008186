import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { uuidv7, type TaskStatus } from '@app/contracts';
import { MessagePublisher, NatsClient, SubjectReader } from '@app/messaging';
import { StageEntity, TaskEntity } from '@app/persistence';
import { asDependencyFailure } from '../errors/dependency.errors';
import { ConcurrentChange, DependencyUnavailable, NotFoundError, TaskNotDeletable } from '../errors/gateway.errors';
import { readCheckpoint } from '../projection/projection.step';
import { ProjectionService } from '../projection/projection.service';
import { GatewayMessages } from './gateway-messages';

/** milliseconds a create or delete waits for its event to be projected, so a read right after sees it */
const PROJECTION_WAIT_MS = 2_000;
/** milliseconds a read of a task the projection has not applied yet waits for it */
const LAGGING_READ_WAIT_MS = 10_000;
/** A task in one of these states is still in the scheduler's hands: cancel it before deleting it. */
const ACTIVE_STATUSES: readonly TaskStatus[] = ['queued', 'running'];

export interface NewTask {
  title: string;
  description: string;
  repoPath: string | null;
  baseBranch: string | null;
}

export interface TaskFilter {
  status?: TaskStatus | undefined;
  limit: number;
  offset: number;
}

export interface TaskPageRows {
  items: TaskEntity[];
  total: number;
  /** the projection checkpoint the page was read at */
  seq: number;
}

/** Tasks: reads from the projection; writes are events appended to the task's subject. */
@Injectable()
export class TasksService {
  private readonly logger = new Logger('Tasks');

  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: MessagePublisher,
    private readonly reader: SubjectReader,
    private readonly nats: NatsClient,
    private readonly projection: ProjectionService,
    private readonly messages: GatewayMessages,
  ) {}

  /** Appends TaskCreated and waits (briefly) for the projection, so a read right after sees it. */
  async create(input: NewTask): Promise<TaskEntity> {
    const taskId = uuidv7(this.messages.now().getTime());
    const event = this.messages.create('TaskCreated', taskId, { taskId, ...input });
    const result = await this.publisher.append(event, 0);
    if (result.ok) await this.projection.waitFor(result.seq, PROJECTION_WAIT_MS);
    this.logger.log(`Created task ${taskId}: ${input.title}`);
    const task = await this.dataSource
      .getRepository(TaskEntity)
      .findOneBy({ id: taskId })
      .catch((error: unknown) => {
        // the task exists once its event is stored: a read model that cannot be read does not undo it
        if (result.ok && asDependencyFailure(error)) return null;
        throw error;
      });
    return task ?? newTaskRow(taskId, input, new Date(event.occurredAt), result.ok ? result.seq : 0);
  }

  /** A page of tasks, newest first, with the checkpoint it was read at (one snapshot). */
  list(filter: TaskFilter): Promise<TaskPageRows> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const checkpoint = await readCheckpoint(manager);
      const [items, total] = await manager.getRepository(TaskEntity).findAndCount({
        where: filter.status ? { status: filter.status } : {},
        order: { createdAt: 'DESC', id: 'DESC' },
        take: filter.limit,
        skip: filter.offset,
      });
      return { items, total, seq: checkpoint };
    });
  }

  /**
   * The task's row. A task the read model does not show yet may exist all the same (the
   * projection lags behind a create): the log decides — a task whose subject holds events
   * is waited for until the projection has applied them; only then is it not found (it
   * never existed, or it was deleted).
   */
  async get(taskId: string, field = 'id'): Promise<TaskEntity> {
    const repository = this.dataSource.getRepository(TaskEntity);
    const task = await repository.findOneBy({ id: taskId });
    if (task) return task;
    // taskId is a UUID (uuidParam at the HTTP edge), so it names one subject
    const lastSeq = await this.reader.lastSequence(this.nats.subjects.task(taskId));
    if (lastSeq === 0) throw new NotFoundError('task', taskId, field);
    if (!(await this.projection.waitFor(lastSeq, LAGGING_READ_WAIT_MS))) {
      throw new DependencyUnavailable(`task ${taskId} exists but the read model has not caught up with it within ${LAGGING_READ_WAIT_MS / 1000} s; try again`, {
        projection: { lastApplied: this.projection.lastApplied, needed: lastSeq },
      });
    }
    const projected = await repository.findOneBy({ id: taskId });
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
    return this.dataSource.getRepository(StageEntity).find({ where: { taskId }, order: { createdAt: 'ASC', stageRound: 'ASC' } });
  }

  async stage(stageId: string): Promise<StageEntity> {
    const stage = await this.dataSource.getRepository(StageEntity).findOneBy({ id: stageId });
    if (!stage) throw new NotFoundError('stage', stageId, 'id');
    return stage;
  }
}

/** The row TaskCreated will project, for an answer while the projection lags. */
function newTaskRow(id: string, input: NewTask, createdAt: Date, lastEventSeq: number): TaskEntity {
  return Object.assign(new TaskEntity(), {
    id,
    ...input,
    status: 'created',
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
