// Tests are quiet by default: the Nest apps a test starts in-process log through the
// apps' pino logger at LOG_LEVEL (default warn here, info in the apps), pretty-printed.
// Processes a test spawns keep their own defaults, so their output can be asserted on.
import { Logger } from '@nestjs/common';
import { createAppLogger } from '@app/config';

Logger.overrideLogger(createAppLogger('test', { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL || 'warn', LOG_FORMAT: process.env.LOG_FORMAT || 'pretty' }));
