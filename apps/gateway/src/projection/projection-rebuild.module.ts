import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MessagingModule } from '@app/messaging';
import { PersistenceModule, runMigrations } from '@app/persistence';
import type { GatewayConfig } from '../gateway.config';
import { ProjectionRebuildService, type RebuildReport } from './projection-rebuild.service';
import { StreamCursor } from './stream-cursor';

/** Just what a rebuild needs: NATS, Postgres and the rebuild service, without the HTTP server. */
@Module({})
export class ProjectionRebuildModule {
  static forRoot(config: Pick<GatewayConfig, 'messaging' | 'databaseUrl'>): DynamicModule {
    return {
      module: ProjectionRebuildModule,
      imports: [MessagingModule.forRoot(config.messaging, 'gateway-rebuild'), PersistenceModule.forRoot(config.databaseUrl)],
      providers: [StreamCursor, ProjectionRebuildService],
    };
  }
}

/** `npm run projection:rebuild`: migrates, rebuilds the read model, closes. */
export async function rebuildProjection(config: Pick<GatewayConfig, 'messaging' | 'databaseUrl'>): Promise<RebuildReport> {
  const logger = new Logger('ProjectionRebuild');
  for (const name of await runMigrations(config.databaseUrl)) logger.log(`Ran migration ${name}`);
  const app = await NestFactory.createApplicationContext(ProjectionRebuildModule.forRoot(config), { logger: ['log', 'warn', 'error'] });
  try {
    return await app.get(ProjectionRebuildService).rebuild();
  } finally {
    await app.close();
  }
}
