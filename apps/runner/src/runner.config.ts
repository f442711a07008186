import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { intVar, messagingEnvShape, messagingOptionsFrom, optionalStringVar, parseEnv, stringVar } from '@app/config';
import type { MessagingOptions } from '@app/messaging';

const schema = z.object({
  ...messagingEnvShape,
  CLAUDE_CLI_PATH: optionalStringVar(),
  CLAUDE_API_KEY: optionalStringVar(),
  CLAUDE_PERMISSION_MODE: stringVar('acceptEdits').pipe(z.enum(['default', 'acceptEdits', 'plan', 'bypassPermissions'])),
  CLAUDE_MODEL: optionalStringVar(),
  CLAUDE_MAX_TURNS: intVar(0, 0, 10_000),
  WORKSPACES_DIR: stringVar(path.resolve('.data/workspaces')),
  RUNNER_ID: optionalStringVar(),
  RUNNER_KILL_GRACE_MS: intVar(5_000, 0, 600_000),
  RUNNER_LOG_BATCH_MS: intVar(200, 10, 60_000),
});

export interface RunnerConfig {
  messaging: MessagingOptions;
  runnerId: string;
  cliPath: string;
  /** never logged, never in an event */
  apiKey: string | null;
  permissionMode: string;
  model: string | null;
  /** 0 = the CLI's own default */
  maxTurns: number;
  workspacesDir: string;
  /** milliseconds between SIGTERM and SIGKILL */
  killGraceMs: number;
  /** milliseconds agent output is batched before it is shipped to ORCH_LOGS */
  logBatchMs: number;
}

export const RUNNER_CONFIG = Symbol('RunnerConfig');

/** The CLI installed with the project, else `claude` on PATH. */
function defaultCliPath(): string {
  const local = path.resolve('node_modules/.bin/claude');
  return existsSync(local) ? local : 'claude';
}

export function loadRunnerConfig(env: NodeJS.ProcessEnv): RunnerConfig {
  const parsed = parseEnv(schema, env, 'runner', ['CLAUDE_API_KEY']);
  return {
    messaging: messagingOptionsFrom(parsed, 'runner'),
    runnerId: parsed.RUNNER_ID ?? `runner@${hostname()}:${process.pid}`,
    cliPath: parsed.CLAUDE_CLI_PATH ?? defaultCliPath(),
    apiKey: parsed.CLAUDE_API_KEY,
    permissionMode: parsed.CLAUDE_PERMISSION_MODE,
    model: parsed.CLAUDE_MODEL,
    maxTurns: parsed.CLAUDE_MAX_TURNS,
    workspacesDir: path.resolve(parsed.WORKSPACES_DIR),
    killGraceMs: parsed.RUNNER_KILL_GRACE_MS,
    logBatchMs: parsed.RUNNER_LOG_BATCH_MS,
  };
}
