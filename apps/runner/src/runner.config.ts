import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { boolVar, failConfig, intVar, messagingEnvShape, messagingOptionsFrom, optionalStringVar, parseEnv, stringVar } from '@app/config';
import type { MessagingOptions } from '@app/messaging';
import { EXECUTOR_NAMES, executorNameSchema, STAGE_TYPES, stageTypeSchema, type StageExecutor, type StageType } from '@app/contracts';
import { isSystemVariable } from './domain/agent-command';

const schema = z.object({
  ...messagingEnvShape,
  CLAUDE_CLI_PATH: optionalStringVar(),
  CLAUDE_API_KEY: optionalStringVar(),
  /** the modes `claude --help` lists for the pinned CLI (2.1.330), and `default` */
  CLAUDE_PERMISSION_MODE: stringVar('acceptEdits').pipe(z.enum(['default', 'acceptEdits', 'auto', 'dontAsk', 'manual', 'plan', 'bypassPermissions'])),
  CLAUDE_MODEL: optionalStringVar(),
  /** the name a stage parked on a rate or usage limit gives its credential (never the key) */
  CLAUDE_CREDENTIAL_NAME: stringVar('default').pipe(z.string().regex(/^[\w.@-]{1,100}$/, 'must be 1–100 letters, digits, ".", "@", "_" or "-"')),
  CLAUDE_MAX_TURNS: intVar(0, 0, 10_000),
  CLAUDE_ALLOWED_TOOLS: listVar(),
  CODEX_CLI_PATH: optionalStringVar(),
  CODEX_MODEL: optionalStringVar(),
  OPENAI_API_KEY: optionalStringVar(),
  /** `stage=executor[:model]`, comma-separated, e.g. `qa=codex:gpt-5.1-codex`; a stage not named runs Claude Code */
  STAGE_EXECUTORS: listVar().pipe(
    z.array(z.string()).transform((items, context) => {
      const choices: Partial<Record<StageType, StageExecutor>> = {};
      for (const item of items) {
        const match = /^([a-z]+)=([a-z-]+)(?::(.+))?$/.exec(item);
        const stage = stageTypeSchema.safeParse(match?.[1]);
        const executor = executorNameSchema.safeParse(match?.[2]);
        if (!match || !stage.success || !executor.success) {
          context.addIssue({ code: 'custom', message: `${JSON.stringify(item)} is not stage=executor[:model] with a stage of ${STAGE_TYPES.join(', ')} and an executor of ${EXECUTOR_NAMES.join(', ')}` });
          continue;
        }
        choices[stage.data] = { executor: executor.data, model: match[3] ?? null };
      }
      return choices;
    }),
  ),
  WORKSPACES_DIR: stringVar(path.resolve('.data/workspaces')),
  WORKSPACE_ALLOWED_ROOTS: listVar().pipe(z.array(z.string().refine((root) => path.isAbsolute(root), 'every root must be an absolute path'))),
  WORKSPACE_KEEP: boolVar(false),
  RUNNER_ID: optionalStringVar(),
  /** where people open the board: pull requests link the task there */
  /** seconds between polls of an opened pull request's state on the forge; 0 = never */
  RUNNER_PR_POLL_S: intVar(300, 0, 86_400),
  BOARD_PUBLIC_URL: optionalStringVar().pipe(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).nullable()),
  RUNNER_KILL_GRACE_MS: intVar(5_000, 0, 600_000),
  RUNNER_LOG_BATCH_MS: intVar(200, 10, 60_000),
  RUNNER_HEARTBEAT_MS: intVar(10_000, 100, 3_600_000),
  RUNNER_EXECUTION: optionalStringVar().pipe(z.enum(['sandbox', 'host', 'container']).nullable()),
  RUNNER_BWRAP_PATH: optionalStringVar(),
  RUNNER_DOCKER_PATH: optionalStringVar(),
  RUNNER_SANDBOX_READ_PATHS: listVar().pipe(z.array(z.string().refine((dir) => path.isAbsolute(dir), 'every path must be absolute'))),
  AGENT_ENV_PASSTHROUGH: listVar().pipe(
    z.array(z.string()).superRefine((names, context) => {
      for (const name of names.filter(isSystemVariable)) context.addIssue({ code: 'custom', message: `${name} is one of the system's own variables and is never handed to the agent` });
    }),
  ),
});

/** A comma-separated list; empty or unset is an empty list. */
function listVar() {
  return z
    .string()
    .optional()
    .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0));
}

export interface RunnerConfig {
  messaging: MessagingOptions;
  runnerId: string;
  cliPath: string;
  /** never logged, never in an event */
  apiKey: string | null;
  /** CLAUDE_CREDENTIAL_NAME: how a parked stage names the credential that met the limit */
  credentialName: string;
  permissionMode: string;
  model: string | null;
  /** 0 = the CLI's own default */
  maxTurns: number;
  /** tools the CLI may use without asking (`--allowedTools`) */
  allowedTools: string[];
  codex: {
    /** the Codex CLI: its native binary from @openai/codex's optional package, else `codex` on PATH */
    cliPath: string;
    /** never logged, never in an event */
    apiKey: string | null;
    model: string | null;
  };
  /** the executor of each stage (STAGE_EXECUTORS); a stage not named runs Claude Code with CLAUDE_MODEL */
  stageExecutors: Partial<Record<StageType, StageExecutor>>;
  workspacesDir: string;
  /** a task's `repoPath` must lie under one of these (absolute, symlinks resolved when checked) */
  workspaceAllowedRoots: string[];
  /** keep task worktrees when tasks end (for inspection) instead of removing them */
  workspaceKeep: boolean;
  /** milliseconds between SIGTERM and SIGKILL */
  killGraceMs: number;
  /** milliseconds agent output is batched before it is shipped to ORCH_LOGS */
  logBatchMs: number;
  /** milliseconds between RunHeartbeat events while a stage runs */
  heartbeatMs: number;
  /** variables of the runner's environment handed to the agent beyond the allow-list (AGENT_ENV_PASSTHROUGH) */
  agentEnvPassthrough: string[];
  /**
   * `container`: on a Docker lease the agent runs in a container of its own beside the leased
   * one (network none, non-root, its limits); `sandbox`: under bubblewrap (writable only its
   * worktree and config dir, network only its forwards); `host`: as the runner's child, unconfined
   */
  execution: 'sandbox' | 'host' | 'container';
  /** with `container`: how the agent of a local slot's lease runs; null = such a stage fails (RUNNER_EXECUTION=container given explicitly) */
  localExecution: 'sandbox' | 'host' | null;
  /** the docker client (container execution) */
  dockerPath: string;
  /** the bubblewrap binary (sandbox execution) */
  bwrapPath: string;
  /** further directories the sandboxed agent may read (toolchains outside /usr) */
  sandboxReadPaths: string[];
  /** the board's public URL (BOARD_PUBLIC_URL): a pull request links its task there; null for none */
  boardPublicUrl: string | null;
  /** seconds between polls of the pull requests this runner opened, until merged or closed; 0 = never */
  pullRequestPollS: number;
}

export const RUNNER_CONFIG = Symbol('RunnerConfig');

/** `program` on PATH, or null. */
function findOnPath(env: NodeJS.ProcessEnv, program: string): string | null {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter((dir) => dir.length > 0);
  return dirs.map((dir) => path.join(dir, program)).find((file) => existsSync(file)) ?? null;
}

/**
 * RUNNER_EXECUTION: `sandbox` needs bubblewrap, `container` a docker client (a missing one
 * stops the boot). Unset means `container` for Docker leases where a docker client is
 * installed, and for local slots (and without docker) `sandbox` where bwrap is installed,
 * else `host` (the runner then warns at boot). An explicit `container` runs no local slot's agent.
 */
function executionOf(requested: 'sandbox' | 'host' | 'container' | null, bwrapPath: string | null, dockerPath: string | null): Pick<RunnerConfig, 'execution' | 'localExecution'> {
  if (requested === 'sandbox' && bwrapPath === null) {
    failConfig('runner: invalid configuration:\n  RUNNER_EXECUTION: sandbox needs bubblewrap (`apt-get install bubblewrap`, or RUNNER_BWRAP_PATH); RUNNER_EXECUTION=host runs the agent unconfined');
  }
  if (requested === 'container' && dockerPath === null) {
    failConfig('runner: invalid configuration:\n  RUNNER_EXECUTION: container needs the docker client (`docker` on PATH, or RUNNER_DOCKER_PATH) and the pool\'s Docker engine');
  }
  if (requested === 'container') return { execution: 'container', localExecution: null };
  if (requested !== null) return { execution: requested, localExecution: requested };
  const local = bwrapPath === null ? 'host' : 'sandbox';
  return { execution: dockerPath === null ? local : 'container', localExecution: local };
}

/** Codex's native binary installed with the project (@openai/codex's optional package for this platform), else `codex` on PATH. */
function defaultCodexPath(): string {
  const triples: Partial<Record<string, string>> = { 'linux-x64': 'x86_64-unknown-linux-musl', 'linux-arm64': 'aarch64-unknown-linux-musl' };
  const triple = triples[`${process.platform}-${process.arch}`];
  const native = triple === undefined ? null : path.resolve(`node_modules/@openai/codex-${process.platform}-${process.arch}/vendor/${triple}/bin/codex`);
  return native !== null && existsSync(native) ? native : 'codex';
}

/** The CLI installed with the project, else `claude` on PATH. */
function defaultCliPath(): string {
  const local = path.resolve('node_modules/.bin/claude');
  return existsSync(local) ? local : 'claude';
}

export function loadRunnerConfig(env: NodeJS.ProcessEnv): RunnerConfig {
  const parsed = parseEnv(schema, env, 'runner', ['CLAUDE_API_KEY', 'OPENAI_API_KEY']);
  if (parsed.CLAUDE_PERMISSION_MODE === 'bypassPermissions' && process.getuid?.() === 0) {
    failConfig('runner: invalid configuration:\n  CLAUDE_PERMISSION_MODE: bypassPermissions is refused by the Claude CLI when run as root; use acceptEdits or CLAUDE_ALLOWED_TOOLS');
  }
  const bwrapPath = parsed.RUNNER_BWRAP_PATH ?? findOnPath(env, 'bwrap');
  if (parsed.RUNNER_BWRAP_PATH !== null && !existsSync(parsed.RUNNER_BWRAP_PATH)) failConfig(`runner: invalid configuration:\n  RUNNER_BWRAP_PATH: ${parsed.RUNNER_BWRAP_PATH} does not exist`);
  const dockerPath = parsed.RUNNER_DOCKER_PATH ?? findOnPath(env, 'docker');
  if (parsed.RUNNER_DOCKER_PATH !== null && !existsSync(parsed.RUNNER_DOCKER_PATH)) failConfig(`runner: invalid configuration:\n  RUNNER_DOCKER_PATH: ${parsed.RUNNER_DOCKER_PATH} does not exist`);
  return {
    messaging: messagingOptionsFrom(parsed, 'runner'),
    runnerId: parsed.RUNNER_ID ?? `runner@${hostname()}:${process.pid}`,
    cliPath: parsed.CLAUDE_CLI_PATH ?? defaultCliPath(),
    apiKey: parsed.CLAUDE_API_KEY,
    credentialName: parsed.CLAUDE_CREDENTIAL_NAME,
    permissionMode: parsed.CLAUDE_PERMISSION_MODE,
    model: parsed.CLAUDE_MODEL,
    maxTurns: parsed.CLAUDE_MAX_TURNS,
    allowedTools: parsed.CLAUDE_ALLOWED_TOOLS,
    codex: { cliPath: parsed.CODEX_CLI_PATH ?? defaultCodexPath(), apiKey: parsed.OPENAI_API_KEY, model: parsed.CODEX_MODEL },
    stageExecutors: parsed.STAGE_EXECUTORS,
    workspacesDir: path.resolve(parsed.WORKSPACES_DIR),
    workspaceAllowedRoots: parsed.WORKSPACE_ALLOWED_ROOTS.map((root) => path.resolve(root)),
    workspaceKeep: parsed.WORKSPACE_KEEP,
    killGraceMs: parsed.RUNNER_KILL_GRACE_MS,
    logBatchMs: parsed.RUNNER_LOG_BATCH_MS,
    heartbeatMs: parsed.RUNNER_HEARTBEAT_MS,
    agentEnvPassthrough: parsed.AGENT_ENV_PASSTHROUGH,
    ...executionOf(parsed.RUNNER_EXECUTION, bwrapPath, dockerPath),
    bwrapPath: bwrapPath ?? 'bwrap',
    dockerPath: dockerPath ?? 'docker',
    sandboxReadPaths: parsed.RUNNER_SANDBOX_READ_PATHS,
    boardPublicUrl: parsed.BOARD_PUBLIC_URL,
    pullRequestPollS: parsed.RUNNER_PR_POLL_S,
  };
}
