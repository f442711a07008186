import type { AgentResult, QaVerdict, StageType } from '@app/contracts';
import type { FinalResult } from './stream-json';

export type RunOutcome =
  | { kind: 'completed'; result: AgentResult; output: string; verdict: QaVerdict | null }
  | { kind: 'failed'; reason: string; retryable: boolean; exitCode: number | null; result: AgentResult | null };

export interface RunFacts {
  stageType: StageType;
  exitCode: number | null;
  signal: string | null;
  spawnError: string | null;
  final: FinalResult | null;
  verdict: QaVerdict | null;
  /** the last lines the CLI wrote to stderr */
  stderrTail: string;
  cliPath: string;
}

const AUTH_REFUSED = /invalid api key|authentication|unauthorized|401|please run \/login|x-api-key/i;

/** How a run that ended (not timed out, not cancelled) is reported, and whether to retry it. */
export function classifyRun(facts: RunFacts): RunOutcome {
  const failed = (reason: string, retryable: boolean): RunOutcome => ({
    kind: 'failed',
    reason,
    retryable,
    exitCode: facts.exitCode,
    result: facts.final?.result ?? null,
  });
  if (facts.spawnError !== null) {
    return failed(`the Claude CLI could not be started from ${facts.cliPath} (${facts.spawnError}); set CLAUDE_CLI_PATH`, false);
  }
  if (/native binary not installed/i.test(facts.stderrTail)) {
    return failed('the Claude CLI native binary is not installed (npm install ran without install scripts); run `npm rebuild @anthropic-ai/claude-code`', false);
  }
  const final = facts.final;
  if (final === null) {
    const tail = facts.stderrTail.trim() ? `: ${facts.stderrTail.trim().slice(-500)}` : '';
    const how = facts.signal !== null ? `was killed by ${facts.signal}` : `exited with code ${facts.exitCode ?? 'unknown'}`;
    return failed(`the Claude CLI ${how} without a result line${tail}`, true);
  }
  if (final.result.isError || facts.exitCode !== 0) {
    const text = final.text.trim() || facts.stderrTail.trim() || final.result.subtype;
    if (AUTH_REFUSED.test(text)) return failed(`the API key was refused: ${text.slice(0, 300)}`, false);
    return failed(`the Claude CLI reported an error (exit ${facts.exitCode ?? 'unknown'}): ${text.slice(0, 500)}`, true);
  }
  const unknown = /^Unknown (slash )?command: (\S+)/.exec(final.text.trim());
  if (unknown) {
    return failed(`the CLI did not find the slash command ${unknown[2]} in the workspace's .claude/commands`, false);
  }
  if (facts.stageType === 'qa' && facts.verdict === null) {
    return failed('QA ended without a ```verdict block, so no verdict could be read', true);
  }
  return { kind: 'completed', result: final.result, output: final.text, verdict: facts.verdict };
}
