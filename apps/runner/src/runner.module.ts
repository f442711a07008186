import { Module, type DynamicModule } from '@nestjs/common';
import { Clock } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { RunHandler } from './handlers/run.handler';
import { ProcessRepository } from './repositories/process.repository';
import { RUNNER_CONFIG, type RunnerConfig } from './runner.config';
import { StageRunService } from './services/stage-run.service';
import { WorkspaceService } from './services/workspace.service';

@Module({})
export class RunnerModule {
  static forRoot(config: RunnerConfig): DynamicModule {
    return {
      module: RunnerModule,
      imports: [MessagingModule.forRoot(config.messaging, 'runner')],
      controllers: [RunHandler],
      providers: [{ provide: RUNNER_CONFIG, useValue: config }, Clock, ProcessRepository, WorkspaceService, StageRunService],
    };
  }
}
