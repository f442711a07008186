import type { LoggerService } from '@nestjs/common';
import pino, { type DestinationStream, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import { currentLogContext } from './log-context';
import { loggingOptionsFrom, type LoggingOptions } from './logging.env';
import { SECRET_VARIABLES, secretScrubber } from './redact';

type Level = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/** Nest's own start-up chatter (one line per module and route), kept for LOG_LEVEL=debug. */
const FRAMEWORK_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const TASK_IN_TEXT = new RegExp(`\\btask (${UUID})\\b`, 'i');
const STAGE_IN_TEXT = new RegExp(`\\bstage (${UUID})\\b`, 'i');
const STACK = /\n\s+at /;

/**
 * Nest's `LoggerService` over pino: one JSON object per line with the app, the Nest
 * context, and the task, stage and correlation ids of the message being handled
 * (`withLogContext`), or else the task and stage ids named in the text. Secrets never
 * reach the output.
 */
export class AppLogger implements LoggerService {
  constructor(
    private readonly pino: Pino,
    private readonly scrub: (text: string) => string,
  ) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }
  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }
  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }
  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }
  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }
  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  private write(level: Level, message: unknown, params: unknown[]): void {
    const { context, extras } = splitParams(params);
    const effective = level === 'info' && context !== undefined && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : level;
    if (!this.pino.isLevelEnabled(effective)) return;
    const fields: Record<string, unknown> = {};
    if (context !== undefined) fields.context = context;
    let text = '';
    if (typeof message === 'string') text = message;
    else if (message instanceof Error) {
      text = message.message;
      fields.err = this.errorFields(message);
    } else fields.details = this.scrubbed(message);
    for (const extra of extras) {
      if (typeof extra === 'string' && STACK.test(extra)) fields.stack = this.scrub(extra);
      else if (extra instanceof Error) fields.err = this.errorFields(extra);
      else if (extra !== undefined) fields.details = this.scrubbed(extra);
    }
    const known = currentLogContext();
    if (known.taskId === undefined) {
      const taskId = TASK_IN_TEXT.exec(text)?.[1];
      if (taskId) fields.taskId = taskId;
    }
    if (known.stageId === undefined) {
      const stageId = STAGE_IN_TEXT.exec(text)?.[1];
      if (stageId) fields.stageId = stageId;
    }
    this.pino[effective](fields, this.scrub(text));
  }

  private errorFields(error: Error): Record<string, string> {
    return { type: error.name, message: this.scrub(error.message), stack: this.scrub(error.stack ?? '') };
  }

  private scrubbed(value: unknown): unknown {
    try {
      return JSON.parse(this.scrub(JSON.stringify(value) ?? 'null')) as unknown;
    } catch {
      return this.scrub(String(value));
    }
  }
}

/** Nest passes the context last; `error` may pass a stack before it. */
function splitParams(params: unknown[]): { context: string | undefined; extras: unknown[] } {
  const last = params.at(-1);
  if (typeof last === 'string' && !STACK.test(last)) return { context: last, extras: params.slice(0, -1) };
  return { context: undefined, extras: params };
}

export interface AppLoggerSetup {
  stdoutIsTty?: boolean;
  /** where lines go; default stdout */
  destination?: DestinationStream;
}

/** The logger of one app, configured from `LOG_LEVEL` and `LOG_FORMAT` in `env`. */
export function createAppLogger(app: string, env: NodeJS.ProcessEnv, setup: AppLoggerSetup = {}): AppLogger {
  const options = loggingOptionsFrom(env, app, setup.stdoutIsTty ?? process.stdout.isTTY === true);
  const instance = pino(
    {
      level: options.level,
      base: { app, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin: () => ({ ...currentLogContext() }),
      redact: { paths: [...SECRET_VARIABLES, 'apiKey', '*.apiKey', '*.*.apiKey', 'env.*_API_KEY', 'details.apiKey'], censor: '[redacted]' },
    },
    setup.destination ?? destinationFor(options),
  );
  return new AppLogger(instance, secretScrubber(env));
}

function destinationFor(options: LoggingOptions): DestinationStream {
  if (options.format === 'json') return pino.destination({ dest: 1, sync: true });
  return pretty({
    colorize: options.colour,
    singleLine: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,app,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}
