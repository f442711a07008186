import { Logger } from '@nestjs/common';
import { createAppLogger } from './app-logger';

/**
 * Makes every Nest `Logger` of this process (the app's own and the framework's) write
 * through the app's pino logger. Call once, before the app is created.
 */
export function installAppLogger(app: string, env: NodeJS.ProcessEnv = process.env): void {
  Logger.overrideLogger(createAppLogger(app, env));
}
