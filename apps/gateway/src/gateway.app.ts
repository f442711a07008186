import path from 'node:path';
import { Logger, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
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
  await app.listen(config.port, config.host);
  new Logger('Gateway').log(`Gateway listening on ${await app.getUrl()}`);
  return app;
}
