import { SECRET_VARIABLES } from '@app/config';

/** How the agent CLI is invoked: flags from the configuration; the prompt goes on stdin. */
export interface AgentCommandOptions {
  permissionMode: string;
  model: string | null;
  /** 0 = the CLI's own default */
  maxTurns: number;
  /** tools allowed without asking (`--allowedTools`); empty = none named */
  allowedTools: readonly string[];
}

/**
 * `claude -p --output-format stream-json --verbose --permission-mode … [--model …]
 * [--max-turns …] [--allowedTools …] [--resume <session>]`, the prompt on stdin.
 *
 * stream-json in print mode requires `--verbose` (else the CLI exits 1). The prompt is not
 * an argument: `claude -p` reads it from stdin when none is given, and a prompt holding a
 * long specification passes Linux's 128 KiB limit on one argument (`E2BIG`, no start).
 */
export function agentArgs(options: AgentCommandOptions, resumeSessionId: string | null): string[] {
  const args = ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', options.permissionMode];
  if (options.model !== null) args.push('--model', options.model);
  if (options.maxTurns > 0) args.push('--max-turns', String(options.maxTurns));
  if (options.allowedTools.length > 0) args.push('--allowedTools', ...options.allowedTools);
  if (resumeSessionId !== null) args.push('--resume', resumeSessionId);
  return args;
}

export interface AgentEnvOptions {
  /** the leased container's (or local slot's) port */
  backendPort: number;
  /** the task's own CLAUDE_CONFIG_DIR: its sessions, so a retry can resume */
  configDir: string;
  apiKey: string | null;
}

/**
 * The runner's environment passed through (proxies, `ANTHROPIC_BASE_URL`, PATH), plus what
 * the agent needs: `BACKEND_URL`, the key as `ANTHROPIC_API_KEY`, the task's config dir,
 * and no telemetry or update traffic. `CLAUDE_API_KEY` itself is not passed on.
 */
export function agentEnv(base: Readonly<Record<string, string | undefined>>, options: AgentEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && name !== 'CLAUDE_API_KEY') env[name] = value;
  }
  env.BACKEND_URL = `http://localhost:${options.backendPort}`;
  env.CLAUDE_CONFIG_DIR = options.configDir;
  env.CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = '1';
  if (options.apiKey !== null) env.ANTHROPIC_API_KEY = options.apiKey;
  return env;
}

/** Variables whose values are credentials: never shown in any output, log or event. */
/** The credentials an agent run could print: the configured key and those in the environment it gets. */
export function agentSecrets(env: Readonly<Record<string, string | undefined>>, apiKey: string | null): string[] {
  const values = [apiKey, ...SECRET_VARIABLES.map((name) => env[name])];
  return values.filter((value): value is string => typeof value === 'string' && value.length > 0);
}
