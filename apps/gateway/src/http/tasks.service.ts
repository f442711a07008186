import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { newMessage, orchestrationIdFor, uuidv7, type OrchEvent, type TaskStatus } from '@app/contracts';
import { Clock } from '@app/config';
import { MessagePublisher } from '@app/messaging';
import { StageEntity, TaskEntity } from '@app/persistence';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { ProjectionService } from '../projection/projection.service';
import { NotFound } from './errors';

export interface NewTask {
  title: string;
  description: string;
  repoPath: string | null;
  baseBranch: string | null;
}

/** Reads the projection; writes go to the log as events and commands. */
@Injectable()
export class TasksService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly publisher: MessagePublisher,
    private readonly projection: ProjectionService,
    private readonly clock: Clock,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  /** Appends TaskCreated and waits (briefly) for the projection, so a read right after sees it. */
  async create(input: NewTask): Promise<TaskEntity> {
    const taskId = uuidv7(this.clock.now().getTime());
    const event = newMessage('TaskCreated', taskId, { taskId, ...input }, this.origin()) as OrchEvent;
    const result = await this.publisher.append(event, 0);
    if (result.ok) await this.projection.waitFor(result.seq, 2_000);
    const task = await this.dataSource.getRepository(TaskEntity).findOneBy({ id: taskId });
    return task ?? Object.assign(new TaskEntity(), { id: taskId, ...input, status: 'created', createdAt: this.clock.now(), updatedAt: this.clock.now() });
  }

  list(filter: { status?: TaskStatus; limit: number; offset: number }): Promise<[TaskEntity[], number]> {
    return this.dataSource.getRepository(TaskEntity).findAndCount({
      where: filter.status ? { status: filter.status } : {},
      order: { createdAt: 'DESC' },
      take: filter.limit,
      skip: filter.offset,
    });
  }

  async get(taskId: string): Promise<TaskEntity> {
    const task = await this.dataSource.getRepository(TaskEntity).findOneBy({ id: taskId });
    if (!task) throw new NotFound(`task ${taskId} does not exist`);
    return task;
  }

  /** Sends StartOrchestration; the orchestrator decides whether it runs or queues. */
  async start(taskId: string): Promise<{ orchestrationId: string; commandId: string }> {
    await this.get(taskId);
    const command = newMessage('StartOrchestration', taskId, { taskId }, this.origin());
    await this.publisher.send(command);
    return { orchestrationId: orchestrationIdFor(command.id), commandId: command.id };
  }

  async stages(taskId: string): Promise<StageEntity[]> {
    await this.get(taskId);
    return this.dataSource.getRepository(StageEntity).find({ where: { taskId }, order: { createdAt: 'ASC' } });
  }

  async stage(stageId: string): Promise<StageEntity> {
    const stage = await this.dataSource.getRepository(StageEntity).findOneBy({ id: stageId });
    if (!stage) throw new NotFound(`stage ${stageId} does not exist`);
    return stage;
  }

  private origin() {
    return { producer: this.config.messaging.producer, occurredAt: this.clock.nowIso() };
  }
}
