import { Injectable, Logger } from '@nestjs/common';
import { uuidv7, type ApprovalPolicy, type MessageData, type StageExecutors, type WorkspaceRemote } from '@app/contracts';
import { MessagePublisher, NatsClient, SubjectReader } from '@app/messaging';
import type { ProjectEntity } from '@app/persistence';
import { ConcurrentChange, DependencyUnavailable, NotFoundError } from '../errors/gateway.errors';
import { ProjectionService } from '../projection/projection.service';
import { ReadModel } from '../projection/read-model.repository';
import { GatewayMessages } from './gateway-messages';

/** milliseconds a write waits for its event to be projected, so a read right after sees it */
const PROJECTION_WAIT_MS = 2_000;
/** milliseconds a read of a project the projection has not applied yet waits for it */
const LAGGING_READ_WAIT_MS = 10_000;

/** A project's fields as a create or an update gives them (the events carry the project whole). */
export type ProjectFields = Omit<MessageData<'ProjectCreated'>, 'projectId'>;

/** Projects: reads from the projection; writes are events appended to the project's subject. */
@Injectable()
export class ProjectsService {
  private readonly logger = new Logger('Projects');

  constructor(
    private readonly readModel: ReadModel,
    private readonly publisher: MessagePublisher,
    private readonly reader: SubjectReader,
    private readonly nats: NatsClient,
    private readonly projection: ProjectionService,
    private readonly messages: GatewayMessages,
  ) {}

  async create(fields: ProjectFields): Promise<ProjectEntity> {
    const projectId = uuidv7(this.messages.now().getTime());
    const result = await this.publisher.append(this.messages.create('ProjectCreated', projectId, { projectId, ...fields }), 0);
    if (!result.ok) throw new ConcurrentChange(`project ${projectId} exists already`, [{ field: 'id', problem: 'exists' }]);
    this.logger.log(`Created project ${projectId}: ${fields.name} (${fields.repositoryUrl})`);
    return this.read(projectId, result.seq, 'id');
  }

  list(): Promise<ProjectEntity[]> {
    return this.readModel.projects();
  }

  /** The project's row; one whose subject holds events the projection has not applied yet is waited for. */
  async get(projectId: string, field = 'id'): Promise<ProjectEntity> {
    const project = await this.readModel.project(projectId);
    if (project) return project;
    const lastSeq = await this.reader.lastSequence(this.nats.subjects.project(projectId));
    if (lastSeq === 0) throw new NotFoundError('project', projectId, field);
    return this.read(projectId, lastSeq, field);
  }

  /** Appends ProjectUpdated against the project subject's last sequence. Tasks created before keep the settings they were created with. */
  async update(projectId: string, fields: ProjectFields): Promise<ProjectEntity> {
    await this.get(projectId);
    const subjectSeq = await this.reader.lastSequence(this.nats.subjects.project(projectId));
    const result = await this.publisher.append(this.messages.create('ProjectUpdated', projectId, { projectId, ...fields }), subjectSeq);
    if (!result.ok) throw new ConcurrentChange(`project ${projectId} changed while it was being updated; read it again and retry`, [{ field: 'id', problem: 'changed concurrently' }]);
    this.logger.log(`Updated project ${projectId}`);
    return this.read(projectId, result.seq, 'id');
  }

  /** Appends ProjectDeleted. Its tasks keep their copy of the repository settings. */
  async delete(projectId: string): Promise<void> {
    await this.get(projectId);
    const subjectSeq = await this.reader.lastSequence(this.nats.subjects.project(projectId));
    const result = await this.publisher.append(this.messages.create('ProjectDeleted', projectId, { projectId }), subjectSeq);
    if (!result.ok) throw new ConcurrentChange(`project ${projectId} changed while it was being deleted; read it again and retry`, [{ field: 'id', problem: 'changed concurrently' }]);
    await this.projection.waitFor(result.seq, PROJECTION_WAIT_MS);
    this.logger.log(`Deleted project ${projectId}`);
  }

  /** What a task of the project copies into its workspace spec when it is created, and the branch it starts from. */
  async remoteOf(projectId: string, field: string): Promise<{ remote: WorkspaceRemote; defaultBranch: string; stageExecutors: StageExecutors; approvalPolicy: ApprovalPolicy; defaultPriority: number | null }> {
    const project = await this.get(projectId, field);
    return {
      remote: { projectId: project.id, url: project.repositoryUrl, credentialRef: project.credentialRef, forge: project.forge },
      defaultBranch: project.defaultBranch,
      approvalPolicy: project.approvalPolicy,
      stageExecutors: project.stageExecutors,
      defaultPriority: project.defaultPriority,
    };
  }

  private async read(projectId: string, seq: number, field: string): Promise<ProjectEntity> {
    if (!(await this.projection.waitFor(seq, LAGGING_READ_WAIT_MS))) {
      throw new DependencyUnavailable(`project ${projectId} exists but the read model has not caught up with it within ${LAGGING_READ_WAIT_MS / 1000} s; try again`, {
        projection: { lastApplied: this.projection.lastApplied, needed: seq },
      });
    }
    const project = await this.readModel.project(projectId);
    if (!project) throw new NotFoundError('project', projectId, field);
    return project;
  }
}
