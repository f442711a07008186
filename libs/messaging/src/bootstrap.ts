import { Logger, type DynamicModule, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { installAppLogger } from '@app/config';
import { JetStreamServer, type JetStreamServerOptions } from './jetstream.server';
import { RethrowRpcErrorsFilter } from './rethrow-rpc.filter';
import { startTracing } from './tracing';

/**
 * Starts an app whose work arrives over JetStream: its module, the JetStream transport
 * with the app's durable consumers, errors handed to the transport untouched.
 */
export async function startMicroservice(module: DynamicModule, server: JetStreamServerOptions): Promise<INestMicroservice> {
  const app = await NestFactory.createMicroservice(module, { strategy: new JetStreamServer(server), bufferLogs: false });
  app.useGlobalFilters(new RethrowRpcErrorsFilter());
  app.enableShutdownHooks();
  // a module that refuses to start (a check at init) must not leave the app's connections open
  await app.listen().catch(async (error: unknown) => {
    await app.close().catch(() => undefined);
    throw error;
  });
  return app;
}

/**
 * Installs the app's structured logger (pino: `LOG_LEVEL`, `LOG_FORMAT`), then runs
 * `main`, turning a failure to boot into one line that names the problem (a ConfigError
 * names the variable) and exit code 1, instead of a stack trace. Tracing starts first when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set (spans named `service.name` = the app).
 */
export function bootOrExit(app: string, main: () => Promise<unknown>): void {
  Promise.resolve()
    .then(() => installAppLogger(app))
    .then(() => startTracing({ serviceName: app }))
    .then(main)
    .catch((error: unknown) => {
      const message = error instanceof Error ? (error.name === 'ConfigError' ? error.message : `${error.name}: ${error.message}`) : String(error);
      new Logger(app).error(`Failed to start: ${message}`);
      process.exit(1);
    });
}
