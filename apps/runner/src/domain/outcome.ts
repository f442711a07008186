import type { AgentResult, QaVerdict, StageType } from '@app/contracts';
import { readApiLimit, type ApiLimit, type ApiRetryHint } from './api-limit';
import { isRefusingStatus, type ApiRefusal, type FinalResult, type InitFacts } from './stream-json';

export type RunOutcome =
  | { kind: 'completed'; result: AgentResult; output: string; verdict: QaVerdict | null }
  /** the model API's limit ended the run: parked until it lifts, not failed */
  | { kind: 'parked'; limit: ApiLimit; reason: string; result: AgentResult | null }
  | { kind: 'failed'; reason: string; retryable: boolean; exitCode: number | null; result: AgentResult | null };

/** What the runner saw of one CLI run that ended on its own (not timed out, not cancelled). */
export interface RunFacts {
  stageType: StageType;
  exitCode: number | null;
  signal: string | null;
  /** set when the program could not be started at all (ENOENT, EACCES) */
  spawnError: string | null;
  init: InitFacts | null;
  final: FinalResult | null;
  /** the API refused the key and the runner stopped the CLI's retries */
  apiRefusal: ApiRefusal | null;
  /** the last `api_retry` line the CLI printed, if any */
  lastApiRetry: ApiRetryHint | null;
  /** the slash command the stage's prompt starts with (`create-spec`, `review`), if any */
  slashCommand: string | null;
  /** the session the run was asked to resume, if any */
  resumedSessionId: string | null;
  verdict: QaVerdict | null;
  /** the last lines the CLI wrote to stderr (bounded) */
  stderrTail: string;
  /** stdout lines in all, and how many of them were not JSON objects */
  stdoutLines: number;
  nonJsonLines: number;
  cliPath: string;
}

const AUTH_REFUSED = /invalid api key|authentication|unauthorized|\b401\b|please run \/login|x-api-key/i;
/** spawn errors no retry fixes: the program is not there or not executable (EAGAIN, EMFILE, ENOMEM may pass) */
const MISSING_PROGRAM = /ENOENT|EACCES|ENOTDIR|ENOEXEC|ELOOP/;

/** How a run that ended (not timed out, not cancelled) is reported, and whether a retry could help. */
/** The session the run was to resume was not there (the CLI says "No conversation found"). */
export function sessionNotFound(facts: RunFacts): boolean {
  return facts.resumedSessionId !== null && /no conversation found/i.test(`${facts.stderrTail}\n${facts.final?.text ?? ''}`);
}

/** How a failure names the CLI and the variables that fix it. */
export interface CliNames {
  cli: string;
  pathVariable: string;
  /** the CLI's output format, e.g. stream-json */
  stream: string;
  product: string;
  keyVariable: string;
  baseUrlVariable: string;
  install: string;
  sessionStore: string;
}

export const CLAUDE_NAMES: CliNames = {
  cli: 'the Claude CLI',
  pathVariable: 'CLAUDE_CLI_PATH',
  stream: 'stream-json',
  product: 'the Claude Code CLI',
  keyVariable: 'CLAUDE_API_KEY',
  baseUrlVariable: 'ANTHROPIC_BASE_URL',
  install: 'install it with npm ci',
  sessionStore: 'CLAUDE_CONFIG_DIR',
};

/** `endedAt`: when the run ended, against which a limit's relative reset time ("resets 2pm") is read. */
export function classifyRun(facts: RunFacts, endedAt: Date, names: CliNames = CLAUDE_NAMES): RunOutcome {
  const failed = (reason: string, retryable: boolean): RunOutcome => ({
    kind: 'failed',
    reason,
    retryable,
    exitCode: facts.exitCode,
    result: facts.final?.result ?? null,
  });
  const stderr = facts.stderrTail.trim();
  if (facts.spawnError !== null) {
    if (MISSING_PROGRAM.test(facts.spawnError)) {
      return failed(`${names.cli} could not be started from ${facts.cliPath} (${facts.spawnError}); ${names.install} or set ${names.pathVariable}`, false);
    }
    return failed(`${names.cli} could not be started from ${facts.cliPath} (${facts.spawnError}): the machine is out of processes, memory or file descriptors`, true);
  }
  if (/native binary not installed/i.test(stderr)) {
    return failed(
      'the Claude CLI native binary is not installed (npm ran without install scripts, or without optional dependencies); run `node node_modules/@anthropic-ai/claude-code/install.cjs` or npm ci with @anthropic-ai/claude-code in allowScripts',
      false,
    );
  }
  if (/cannot be used with root\/sudo privileges/i.test(stderr)) {
    return failed('the Claude CLI refuses to bypass permissions when run as root; set CLAUDE_PERMISSION_MODE=acceptEdits (or list tools in CLAUDE_ALLOWED_TOOLS)', false);
  }
  const finalStatus = facts.final?.apiErrorStatus ?? null;
  const refusedStatus = facts.apiRefusal?.status ?? (finalStatus !== null && isRefusingStatus(finalStatus) ? finalStatus : null);
  if (refusedStatus !== null) {
    const what = facts.apiRefusal ? ` (${facts.apiRefusal.error})` : facts.final?.text ? `: ${facts.final.text.slice(0, 200)}` : '';
    return failed(`the API key was refused: the API answered HTTP ${refusedStatus}${what}; check ${names.keyVariable} (and ${names.baseUrlVariable} if set)`, false);
  }
  const final = facts.final;
  if (final?.result.subtype === 'error_max_budget_usd') {
    const limit: ApiLimit = { kind: 'budget', status: null, resetAt: null, detail: `the run cost $${final.result.totalCostUsd}` };
    return { kind: 'parked', limit, reason: parkedReason(limit), result: final.result };
  }
  if (final === null || final.result.isError || facts.exitCode !== 0) {
    const limit = readApiLimit(
      { resultText: final?.text ?? null, apiErrorStatus: finalStatus, lastRetry: facts.lastApiRetry, stderrTail: stderr },
      endedAt,
    );
    if (limit !== null) return { kind: 'parked', limit, reason: parkedReason(limit), result: final?.result ?? null };
  }
  if (sessionNotFound(facts)) {
    return failed(`the session ${facts.resumedSessionId} to resume was not found under the task's ${names.sessionStore}; a retry starts a new session`, true);
  }
  if (final === null) {
    if (facts.stdoutLines > 0 && facts.nonJsonLines === facts.stdoutLines) {
      return failed(`the program at ${facts.cliPath} printed ${facts.stdoutLines} lines and none was ${names.stream}: is ${names.pathVariable} ${names.product}?`, false);
    }
    const how = facts.signal !== null ? `was killed by ${facts.signal}` : `exited with code ${facts.exitCode ?? 'unknown'}`;
    const garbage = facts.nonJsonLines > 0 ? ` (${facts.nonJsonLines} of ${facts.stdoutLines} output lines were not JSON)` : '';
    const tail = stderr ? `: ${stderr.slice(-500)}` : '';
    return failed(`${names.cli} ${how} without a result line${garbage}${tail}`, true);
  }
  if (final.result.isError || facts.exitCode !== 0) {
    const text = final.text.trim() || stderr || final.result.subtype;
    if (AUTH_REFUSED.test(text)) return failed(`the API key was refused: ${text.slice(0, 300)}; check ${names.keyVariable}`, false);
    return failed(`${names.cli} reported an error (exit ${facts.exitCode ?? 'unknown'}, ${final.result.subtype}): ${text.slice(0, 500)}`, true);
  }
  const unknown = /^Unknown (?:slash )?command: (\S+)/.exec(final.text.trim());
  if (unknown) {
    return failed(`the CLI did not find the slash command ${unknown[1]} in the workspace's .claude/commands`, false);
  }
  const listed = facts.init?.slashCommands ?? null;
  if (facts.slashCommand !== null && listed !== null && !listed.includes(facts.slashCommand)) {
    return failed(`the CLI did not find the slash command /${facts.slashCommand} in the workspace's .claude/commands, so the prompt went to the model as plain text`, false);
  }
  if (facts.stageType === 'qa' && facts.verdict === null) {
    return failed('QA ended without a ```verdict block, so no verdict could be read', true);
  }
  return { kind: 'completed', result: final.result, output: final.text, verdict: facts.verdict };
}

const LIMIT_WORDS: Record<ApiLimit['kind'], string> = {
  'rate-limit': 'the model API rate-limited the credential (HTTP 429) after the CLI\'s own retries',
  overloaded: 'the model API was overloaded (HTTP 529) after the CLI\'s own retries',
  'usage-limit': 'the subscription\'s usage limit was reached',
  budget: 'the stage reached its budget (the CLI stopped at --max-budget-usd)',
};

function parkedReason(limit: ApiLimit): string {
  const until = limit.resetAt === null ? '' : `; it resets at ${limit.resetAt.toISOString()}`;
  return `${LIMIT_WORDS[limit.kind]}${until}: ${limit.detail}`;
}
