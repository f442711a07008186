import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { Clock } from '@app/config';
import { MessagingModule } from '@app/messaging';
import { PersistenceModule } from '@app/persistence';
import { BearerGuard } from './auth/bearer.guard';
import { TokenVerifier } from './auth/token.verifier';
import { DocsController } from './docs/docs.controller';
import { GATEWAY_CONFIG, type GatewayConfig } from './gateway.config';
import { HttpErrorFilter } from './http/error.filter';
import { HealthController } from './http/health.controller';
import { MetricsController } from './http/metrics.controller';
import { OrchestratorController } from './http/orchestrator.controller';
import { PoolController } from './http/pool.controller';
import { ProjectsController } from './http/projects.controller';
import { ReviewController } from './http/review.controller';
import { TasksController } from './http/tasks.controller';
import { BoardGateway } from './live/board.gateway';
import { BoardHub } from './live/board.hub';
import { BoardSubscriptions } from './live/board.subscriptions';
import { LogFeed } from './live/log-feed';
import { LogTailService } from './live/log-tail.service';
import { MetricsPublisher } from './live/metrics.publisher';
import { MetricsReader } from './metrics/metrics.reader';
import { ReadModel } from './projection/read-model.repository';
import { MetricsService } from './metrics/metrics.service';
import { PrometheusMetrics } from './metrics/prometheus.metrics';
import { EventFeed } from './projection/event-feed';
import { ProjectionService } from './projection/projection.service';
import { StreamCursor } from './projection/stream-cursor';
import { DecisionWaiter } from './services/decision.waiter';
import { GatewayMessages } from './services/gateway-messages';
import { HealthService } from './services/health.service';
import { OrchestrationService } from './services/orchestration.service';
import { PoolService } from './services/pool.service';
import { ProjectsService } from './services/projects.service';
import { StageDiffsService } from './services/stage-diffs.service';
import { TasksService } from './services/tasks.service';
import { WebhookDeliveryWorker } from './webhooks/webhook-delivery.worker';
import { WebhookOutbox } from './webhooks/webhook-outbox.service';
import { WebhookSender } from './webhooks/webhook.sender';
import { WebhooksHandler } from './webhooks/webhooks.handler';

@Module({})
export class GatewayModule {
  static forRoot(config: GatewayConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [MessagingModule.forRoot(config.messaging, 'gateway'), PersistenceModule.forRoot(config.databaseUrl)],
      controllers: [TasksController, ReviewController, ProjectsController, OrchestratorController, PoolController, MetricsController, HealthController, DocsController, WebhooksHandler],
      providers: [
        { provide: GATEWAY_CONFIG, useValue: config },
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        { provide: APP_GUARD, useClass: BearerGuard },
        Clock,
        TokenVerifier,
        StreamCursor,
        EventFeed,
        LogFeed,
        ProjectionService,
        ReadModel,
        LogTailService,
        GatewayMessages,
        DecisionWaiter,
        TasksService,
        ProjectsService,
        StageDiffsService,
        OrchestrationService,
        PoolService,
        HealthService,
        MetricsReader,
        MetricsService,
        PrometheusMetrics,
        BoardHub,
        BoardSubscriptions,
        MetricsPublisher,
        BoardGateway,
        WebhookSender,
        WebhookOutbox,
        WebhookDeliveryWorker,
      ],
    };
  }
}
