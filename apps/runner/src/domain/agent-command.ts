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
export function agentArgs(options: AgentCommandOptions, resumeSessionId: string | null, maxBudgetUsd: number | null = null): string[] {
  const args = ['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', options.permissionMode];
  if (options.model !== null) args.push('--model', options.model);
  if (options.maxTurns > 0) args.push('--max-turns', String(options.maxTurns));
  if (options.allowedTools.length > 0) args.push('--allowedTools', ...options.allowedTools);
  if (resumeSessionId !== null) args.push('--resume', resumeSessionId);
  // the CLI stops itself cleanly once the run's cost is past it (result subtype error_max_budget_usd)
  if (maxBudgetUsd !== null) args.push('--max-budget-usd', String(maxBudgetUsd));
  return args;
}

/** What the runner's own environment may hand the agent: the basics of a shell, locale, proxies, CA certificates, the API's address. */
const AGENT_BASE_VARIABLES: ReadonlySet<string> = new Set([
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'TMPDIR', 'LANG', 'LANGUAGE', 'TZ',
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'all_proxy',
  'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'ANTHROPIC_BASE_URL',
]);

/** The CLI's switches for telemetry, error reports, auto-update and other traffic the run does not need. */
const QUIET_CLI: Readonly<Record<string, string>> = {
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  DISABLE_AUTOUPDATER: '1',
};

/**
 * The system's own variables: never handed to the agent, not even when AGENT_ENV_PASSTHROUGH
 * names them (the runner refuses such a list at boot).
 */
export function isSystemVariable(name: string): boolean {
  return /^(NATS_|PG|POSTGRES_|API_TOKEN|EMBEDDED_POSTGRES_)/.test(name) || ['DATABASE_URL', 'TEST_DATABASE_ADMIN_URL', 'REDIS_URL', 'CLAUDE_API_KEY', 'CODEX_API_KEY'].includes(name);
}

export interface AgentEnvOptions {
  /** the leased container's (or local slot's) port */
  backendPort: number;
  /** the task's own CLAUDE_CONFIG_DIR: its sessions, so a retry can resume */
  configDir: string;
  apiKey: string | null;
  /** further variables of the runner's environment the operator hands the agent (AGENT_ENV_PASSTHROUGH) */
  passthrough: readonly string[];
}

/**
 * An allow-list, never the runner's whole environment: of the runner's variables only
 * PATH, HOME, locale (`LANG`, `LC_*`, `TZ`), proxies, CA certificates, `ANTHROPIC_BASE_URL`
 * and what `passthrough` names (system variables excepted); then what the agent needs:
 * `BACKEND_URL`, the key as `ANTHROPIC_API_KEY` (the runner's own `ANTHROPIC_API_KEY` when
 * no key is configured), the task's config dir, and no telemetry or update traffic.
 * NATS_*, DATABASE_URL, API_TOKEN, CLAUDE_API_KEY and the rest stay with the runner.
 */
export function agentEnv(base: Readonly<Record<string, string | undefined>>, options: AgentEnvOptions): Record<string, string> {
  const env = commonAgentEnv(base, options);
  env.CLAUDE_CONFIG_DIR = options.configDir;
  const apiKey = options.apiKey ?? base.ANTHROPIC_API_KEY;
  if (apiKey !== undefined) env.ANTHROPIC_API_KEY = apiKey;
  return env;
}

/**
 * What every agent CLI gets: of the runner's variables only the allow-list (and what
 * `passthrough` names, system variables excepted), no telemetry or update traffic, and
 * `BACKEND_URL` at the leased slot.
 */
export function commonAgentEnv(base: Readonly<Record<string, string | undefined>>, options: Pick<AgentEnvOptions, 'backendPort' | 'passthrough'>): Record<string, string> {
  const env: Record<string, string> = {};
  const allowed = (name: string) => AGENT_BASE_VARIABLES.has(name) || name.startsWith('LC_') || (options.passthrough.includes(name) && !isSystemVariable(name));
  for (const [name, value] of Object.entries(base)) {
    if (value !== undefined && allowed(name)) env[name] = value;
  }
  Object.assign(env, QUIET_CLI);
  env.BACKEND_URL = `http://localhost:${options.backendPort}`;
  return env;
}

/** The credentials an agent run could print: the configured key and those in the environment it gets. */
export function agentSecrets(env: Readonly<Record<string, string | undefined>>, apiKey: string | null): string[] {
  const values = [apiKey, ...SECRET_VARIABLES.map((name) => env[name])];
  return values.filter((value): value is string => typeof value === 'string' && value.length > 0);
}
