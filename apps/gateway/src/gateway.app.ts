import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';

/** The gateway: REST API and the read model's projection. */
export async function startGateway(config: GatewayConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), { bodyParser: false });
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.enableShutdownHooks();
  await app.listen(config.port, config.host);
  new Logger('Gateway').log(`Gateway listening on ${await app.getUrl()}`);
  return app;
}
