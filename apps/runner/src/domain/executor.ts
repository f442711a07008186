import type { AgentLogEntry, ExecutorName, StageContext, StageType } from '@app/contracts';
import type { RunFacts, RunOutcome } from './outcome';
import type { ApiRetryHint } from './api-limit';
import type { ApiRefusal, FinalResult, InitFacts } from './stream-json';

export type Json = Record<string, unknown>;

/** The model API an agent CLI talks to: the variable naming its address, and the vendor's own address. */
export interface ModelApi {
  /** e.g. `ANTHROPIC_BASE_URL`: read from the runner's environment, set inside a sandbox or container to the loopback forward */
  variable: string;
  defaultUrl: string;
}

/** What one stage's run asks of its executor. */
export interface ExecutorRequest {
  stageType: StageType;
  context: StageContext;
  /** the stage's model; null = the executor's configured default */
  model: string | null;
  /** the session a retry or rework resumes, if any */
  resumeSessionId: string | null;
  /** US dollars the run may spend; null = no limit */
  maxBudgetUsd: number | null;
  /** where the agent reaches its model API: the runner's own address for it, or the loopback forward of a sandbox or container */
  apiBaseUrl: string;
  /** the runner confines the agent (sandbox, container): a CLI's own sandbox need not, and often cannot, nest inside */
  confined: boolean;
}

/** The command line of one run; the prompt goes on stdin. */
export interface ExecutorCommand {
  args: string[];
  input: string;
  /** the slash command the prompt starts with (`create-spec`, `review`), if any */
  slashCommand: string | null;
}

/** Where the agent's environment comes from, beyond the runner's own variables. */
export interface ExecutorEnvOptions {
  /** the leased container's (or local slot's) port */
  backendPort: number;
  /** the task's own config dir: its sessions, so a retry can resume */
  configDir: string;
  /** further variables of the runner's environment the operator hands the agent (AGENT_ENV_PASSTHROUGH) */
  passthrough: readonly string[];
}

/**
 * Reads one run's stdout, JSON line by JSON line, into the system's own typed log entries,
 * and keeps what the outcome is classified on: the session, the final result, a refusal.
 */
export interface StreamReader {
  read(json: Json): AgentLogEntry[];
  readonly init: InitFacts | null;
  readonly final: FinalResult | null;
  /** the API refused the key: the runner stops the run at once, no retry of the CLI's own fixes it */
  readonly refusal: ApiRefusal | null;
  /** the CLI's last retry of an API error (a 429, a 529) and the delay it chose: a hint of when a limit lifts */
  readonly lastApiRetry: ApiRetryHint | null;
}

/**
 * One agent CLI: how its command and environment are built, how its output is read, how a
 * run that ended is classified, how a session is resumed. Pure: no process, no I/O.
 */
export interface AgentExecutor {
  readonly name: ExecutorName;
  /** the program run (a path, or a name on PATH) */
  readonly cliPath: string;
  readonly api: ModelApi;
  command(request: ExecutorRequest): ExecutorCommand;
  env(base: Readonly<Record<string, string | undefined>>, options: ExecutorEnvOptions): Record<string, string>;
  /** the credentials a run could print: redacted from every line, reason and log */
  secrets(base: Readonly<Record<string, string | undefined>>): string[];
  reader(): StreamReader;
  /** `endedAt`: when the run ended, against which a limit's reset time ("resets 2pm") is read */
  classify(facts: RunFacts, endedAt: Date): RunOutcome;
  /** the run was to resume a session the CLI could not find: the session is forgotten, a retry starts a new one */
  sessionNotFound(facts: RunFacts): boolean;
}
