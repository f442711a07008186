import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Clock } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { PersistenceModule } from '@app/persistence';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway.config';
import { HttpErrorFilter } from './http/errors';
import { HealthController } from './http/health.controller';
import { OrchestratorController } from './http/orchestrator.controller';
import { TasksController } from './http/tasks.controller';
import { TasksService } from './http/tasks.service';
import { ProjectionService } from './projection/projection.service';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [MessagingModule.forRoot(config.messaging, 'gateway'), PersistenceModule.forRoot(config.databaseUrl)],
      controllers: [TasksController, OrchestratorController, HealthController],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        Clock,
        TasksService,
        ProjectionService,
      ],
    };
  }
}
