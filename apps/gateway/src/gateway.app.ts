import path from 'node:path';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JetStreamServer, subjectsOf } from '@app/messaging';
import { serveBoard } from './board/board.static';
import { DOCS_ASSETS_PREFIX } from './docs/docs.controller';
import type { GatewayConfig } from './gateway.config';
import { GatewayModule } from './gateway.module';
import { bodyParserErrors } from './http/body-parser.errors';
import { browserGuard } from './http/browser-guard';
import { OriginCheckedIoAdapter } from './live/origin-checked.adapter';

/** The gateway: REST API, Socket.IO board namespace, metrics, and the read model's projection. */
export async function startGateway(config: GatewayConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule.forRoot(config), { bodyParser: false });
  app.use(browserGuard(config.corsOrigins));
  app.useBodyParser('json', { limit: config.bodyLimitBytes });
  app.use(bodyParserErrors(config.bodyLimitBytes));
  app.useStaticAssets(path.dirname(require.resolve('swagger-ui-dist/package.json')), { prefix: DOCS_ASSETS_PREFIX, index: false });
  serveBoard(app);
  app.useWebSocketAdapter(new OriginCheckedIoAdapter(app, config.corsOrigins));
  app.enableShutdownHooks();
  if (config.webhooks.urls.length > 0) await startWebhookConsumer(app, config);
  await app.listen(config.port, config.host);
  new Logger('Gateway').log(`Gateway listening on ${await app.getUrl()}`);
  return app;
}

/**
 * The webhooks' own durable consumer (`gateway-webhooks`, task events from the moment it is
 * first made): it only adds deliveries to the outbox, so nothing the receivers do reaches
 * the projection or the pipeline.
 */
async function startWebhookConsumer(app: INestApplication, config: GatewayConfig): Promise<void> {
  // inheritAppConfig: the gateway's error filter hands a handler's error back to the transport (it answers only HTTP), which naks it
  app.connectMicroservice(
    {
      strategy: new JetStreamServer({
        messaging: config.messaging,
        connectionName: 'gateway-webhooks',
        // its name is in the NATS permission table (BUS_ACCESS.gateway)
        consumers: [{ durable: 'gateway-webhooks', stream: 'events', filterSubject: subjectsOf(config.messaging).allTasks, deliverPolicy: 'new' }],
      }),
    },
    { inheritAppConfig: true },
  );
  await app.startAllMicroservices();
}
