import { Module, type DynamicModule } from '@nestjs/common';
import { Clock } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { OrchestrationHandler } from './handlers/orchestration.handler';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from './orchestrator.config';
import { OrchestrationService } from './services/orchestration.service';

@Module({})
export class OrchestratorModule {
  static forRoot(config: OrchestratorConfig): DynamicModule {
    return {
      module: OrchestratorModule,
      imports: [MessagingModule.forRoot(config.messaging, 'orchestrator')],
      controllers: [OrchestrationHandler],
      providers: [{ provide: ORCHESTRATOR_CONFIG, useValue: config }, Clock, OrchestrationService],
    };
  }
}
