import { Module, type DynamicModule } from '@nestjs/common';
import { Clock } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { RunHandler } from './handlers/run.handler';
import { TaskEndHandler } from './handlers/task-end.handler';
import { CredentialRepository } from './repositories/credential.repository';
import { GitRepository } from './repositories/git.repository';
import { ProcessRepository } from './repositories/process.repository';
import { ContainerRepository } from './repositories/container.repository';
import { SandboxRepository } from './repositories/sandbox.repository';
import { RUNNER_CONFIG, type RunnerConfig } from './runner.config';
import { AgentContainer } from './services/agent-container.service';
import { AgentSandbox } from './services/agent-sandbox.service';
import { AgentRecords } from './services/agent-records.service';
import { AttemptLog } from './services/attempt-log.service';
import { AttemptMonitor } from './services/attempt-monitor.service';
import { AgentRunService } from './services/agent-run.service';
import { Executors } from './services/executors.service';
import { PullRequestService } from './services/pull-request.service';
import { RemoteService } from './services/remote.service';
import { StageRunService } from './services/stage-run.service';
import { WorkspaceService } from './services/workspace.service';

@Module({})
export class RunnerModule {
  static forRoot(config: RunnerConfig): DynamicModule {
    return {
      module: RunnerModule,
      imports: [MessagingModule.forRoot(config.messaging, 'runner')],
      controllers: [RunHandler, TaskEndHandler],
      providers: [{ provide: RUNNER_CONFIG, useValue: config }, Clock, ProcessRepository, GitRepository, CredentialRepository, SandboxRepository, ContainerRepository, RemoteService, PullRequestService, WorkspaceService, AgentContainer, AgentSandbox, AgentRecords, AttemptLog, AttemptMonitor, Executors, AgentRunService, StageRunService],
    };
  }
}
