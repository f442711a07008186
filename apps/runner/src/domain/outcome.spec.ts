import type { AgentResult } from '@app/contracts';
import { classifyRun, type RunFacts } from './outcome';

const ENDED_AT = new Date('2026-07-01T12:00:00Z');
const classify = (runFacts: RunFacts) => classifyRun(runFacts, ENDED_AT);

const result: AgentResult = {
  isError: false,
  subtype: 'success',
  totalCostUsd: 0.02,
  usage: { inputTokens: 100, outputTokens: 50, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 },
  numTurns: 3,
  sessionId: 'session-1',
  durationMs: 4000,
  permissionDenials: [],
};

/** A run that went well: exit 0 with a successful result line. */
function facts(overrides: Partial<RunFacts> = {}): RunFacts {
  return {
    stageType: 'implementation',
    exitCode: 0,
    signal: null,
    spawnError: null,
    init: { sessionId: 'session-1', slashCommands: ['create-spec', 'review', 'compact'] },
    final: { result, text: 'Implemented: the thing', apiErrorStatus: null },
    apiRefusal: null,
    lastApiRetry: null,
    slashCommand: null,
    resumedSessionId: null,
    verdict: null,
    stderrTail: '',
    stdoutLines: 5,
    nonJsonLines: 0,
    cliPath: '/app/node_modules/.bin/claude',
    ...overrides,
  };
}

const failure = (outcome: ReturnType<typeof classifyRun>) => {
  if (outcome.kind !== 'failed') throw new Error(`expected a failure, got ${outcome.kind}`);
  return outcome;
};

describe('classifyRun', () => {
  it('given exit 0 and a successful result, then the stage completed with the result and the answer', () => {
    expect(classify(facts())).toEqual({ kind: 'completed', result, output: 'Implemented: the thing', verdict: null });
  });

  it('given QA with a verdict, then it completed with the verdict', () => {
    const verdict = { verdict: 'fail' as const, findings: ['no test'] };
    expect(classify(facts({ stageType: 'qa', slashCommand: 'review', verdict }))).toMatchObject({ kind: 'completed', verdict });
  });

  it('given a binary that is not there, then it failed for good, naming the path and the variable', () => {
    const outcome = failure(classify(facts({ spawnError: 'spawn /nope/claude ENOENT', exitCode: null, final: null, init: null, stdoutLines: 0, cliPath: '/nope/claude' })));
    expect(outcome).toMatchObject({ retryable: false, exitCode: null });
    expect(outcome.reason).toMatch(/could not be started from \/nope\/claude \(spawn \/nope\/claude ENOENT\).*CLAUDE_CLI_PATH/);
  });

  it('given a spawn that failed for want of resources, then it failed retryably', () => {
    const outcome = failure(classify(facts({ spawnError: 'EAGAIN', exitCode: null, final: null, init: null, stdoutLines: 0 })));
    expect(outcome.retryable).toBe(true);
    expect(outcome.reason).toMatch(/\(EAGAIN\): the machine is out of processes/);
  });

  it('given the npm stub without its native binary, then it failed for good, saying how to install it', () => {
    const outcome = failure(classify(facts({ exitCode: 1, final: null, init: null, stdoutLines: 0, stderrTail: 'Error: claude native binary not installed.\n\nEither postinstall did not run' })));
    expect(outcome.retryable).toBe(false);
    expect(outcome.reason).toMatch(/native binary is not installed.*install\.cjs/);
  });

  it('given exit 1 without a result line, then it failed retryably, quoting stderr', () => {
    const outcome = failure(classify(facts({ exitCode: 1, final: null, stderrTail: 'fatal: simulated crash' })));
    expect(outcome).toMatchObject({ retryable: true, exitCode: 1 });
    expect(outcome.reason).toBe('the Claude CLI exited with code 1 without a result line: fatal: simulated crash');
  });

  it('given exit 0 without a result line among garbage, then it failed retryably, counting the lines that were not JSON', () => {
    const outcome = failure(classify(facts({ final: null, stdoutLines: 8, nonJsonLines: 2 })));
    expect(outcome).toMatchObject({ retryable: true });
    expect(outcome.reason).toBe('the Claude CLI exited with code 0 without a result line (2 of 8 output lines were not JSON)');
  });

  it('given only garbage on stdout, then it failed for good: the program is not the Claude CLI', () => {
    const outcome = failure(classify(facts({ final: null, init: null, stdoutLines: 3, nonJsonLines: 3 })));
    expect(outcome.retryable).toBe(false);
    expect(outcome.reason).toMatch(/none was stream-json: is CLAUDE_CLI_PATH the Claude Code CLI\?/);
  });

  it('given is_error with an API 5xx, then it failed retryably with the result kept', () => {
    const errored = { ...result, isError: true, subtype: 'error_during_execution' };
    const outcome = failure(classify(facts({ exitCode: 1, final: { result: errored, text: 'API Error: 500 simulated', apiErrorStatus: 500 } })));
    expect(outcome).toMatchObject({ retryable: true, exitCode: 1, result: errored });
    expect(outcome.reason).toBe('the Claude CLI reported an error (exit 1, error_during_execution): API Error: 500 simulated');
  });

  it('given a key refused on the first API call (the runner stopped the CLI retrying), then it failed for good, saying the key was refused', () => {
    const outcome = failure(classify(facts({ exitCode: null, signal: 'SIGTERM', final: null, apiRefusal: { status: 401, error: 'authentication_failed' } })));
    expect(outcome.retryable).toBe(false);
    expect(outcome.reason).toBe('the API key was refused: the API answered HTTP 401 (authentication_failed); check CLAUDE_API_KEY (and ANTHROPIC_BASE_URL if set)');
  });

  it('given a result with api_error_status 401, then it failed for good', () => {
    const errored = { ...result, isError: true };
    const outcome = failure(classify(facts({ exitCode: 1, final: { result: errored, text: 'Invalid API key · Fix external API key', apiErrorStatus: 401 } })));
    expect(outcome.retryable).toBe(false);
    expect(outcome.reason).toMatch(/^the API key was refused: the API answered HTTP 401: Invalid API key/);
  });

  it('given "Invalid API key" without a status (older CLIs), then it failed for good', () => {
    const outcome = failure(classify(facts({ exitCode: 1, final: { result: { ...result, isError: true }, text: 'Invalid API key · Please run /login', apiErrorStatus: null } })));
    expect(outcome.retryable).toBe(false);
    expect(outcome.reason).toMatch(/^the API key was refused/);
  });

  it('given bypassPermissions as root, then it failed for good, saying which mode to use', () => {
    const outcome = failure(classify(facts({ exitCode: 1, final: null, stderrTail: '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons' })));
    expect(outcome.retryable).toBe(false);
    expect(outcome.reason).toMatch(/CLAUDE_PERMISSION_MODE=acceptEdits/);
  });

  it('given "Unknown command" (CLIs that answer so without calling the API), then it failed for good', () => {
    const outcome = failure(classify(facts({ final: { result: { ...result, numTurns: 0 }, text: 'Unknown command: /create-spec', apiErrorStatus: null } })));
    expect(outcome).toMatchObject({ retryable: false, reason: "the CLI did not find the slash command /create-spec in the workspace's .claude/commands" });
  });

  it('given a slash-command stage whose command the CLI did not list (2.1.330 sends it to the model as text), then it failed for good', () => {
    const outcome = failure(classify(facts({ stageType: 'specification', slashCommand: 'create-spec', init: { sessionId: 's', slashCommands: ['compact'] } })));
    expect(outcome.retryable).toBe(false);
    expect(outcome.reason).toMatch(/did not find the slash command \/create-spec/);
  });

  it('given an init line that does not list slash commands (other CLIs, stand-ins), then the stage is not judged by it', () => {
    expect(classify(facts({ stageType: 'specification', slashCommand: 'create-spec', init: { sessionId: 's', slashCommands: null } })).kind).toBe('completed');
  });

  it('given a resumed session the CLI cannot find, then it failed retryably (the next attempt starts a new session)', () => {
    const outcome = failure(classify(facts({ exitCode: 1, final: null, resumedSessionId: 'gone', stderrTail: 'No conversation found with session ID: gone' })));
    expect(outcome).toMatchObject({ retryable: true });
    expect(outcome.reason).toMatch(/session gone to resume was not found/);
  });

  it('given QA without a verdict block, then it failed retryably', () => {
    expect(failure(classify(facts({ stageType: 'qa', slashCommand: 'review', verdict: null }))).retryable).toBe(true);
  });

  it('given tools the CLI denied, then the stage still completed and the denials are in its result', () => {
    const denied = { ...result, permissionDenials: ['Write'] };
    expect(classify(facts({ final: { result: denied, text: 'I could not write', apiErrorStatus: null } }))).toMatchObject({ kind: 'completed', result: { permissionDenials: ['Write'] } });
  });

  it('given the CLI gave up on a 429 after its retries, then the stage is parked (not failed), lifting when the last retry would have tried again', () => {
    const errorResult = { ...result, isError: true, totalCostUsd: 0, numTurns: 1 };
    const outcome = classify(
      facts({
        exitCode: 1,
        final: { result: errorResult, text: 'API Error: Request rejected (429) · rate limit', apiErrorStatus: 429 },
        lastApiRetry: { status: 429, error: 'rate_limit', retryDelayMs: 60_000 },
      }),
    );
    expect(outcome).toEqual({
      kind: 'parked',
      limit: { kind: 'rate-limit', status: 429, resetAt: new Date('2026-07-01T12:01:00.000Z'), detail: 'API Error: Request rejected (429) · rate limit' },
      reason: "the model API rate-limited the credential (HTTP 429) after the CLI's own retries; it resets at 2026-07-01T12:01:00.000Z: API Error: Request rejected (429) · rate limit",
      result: errorResult,
    });
  });

  it('given a subscription usage limit, then the stage is parked until the reset it names', () => {
    const outcome = classify(facts({ exitCode: 1, final: { result: { ...result, isError: true }, text: 'Claude usage limit reached. Your limit resets at 14:05', apiErrorStatus: null } }));
    expect(outcome).toMatchObject({ kind: 'parked', limit: { kind: 'usage-limit', resetAt: new Date('2026-07-01T14:05:00.000Z') } });
  });

  it('given a refused key, then it still fails for good (a limit is not what ended it)', () => {
    const outcome = failure(classify(facts({ exitCode: 1, final: { result: { ...result, isError: true }, text: 'Invalid API key', apiErrorStatus: 401 } })));
    expect(outcome.retryable).toBe(false);
  });

  it('given a successful run whose answer speaks of rate limits, then it completed', () => {
    expect(classify(facts({ final: { result, text: 'Added a 429 rate limit to the API', apiErrorStatus: null } })).kind).toBe('completed');
  });

  it('given the CLI stopped itself at --max-budget-usd, then the stage is parked on its budget with what the run cost', () => {
    const spent = { ...result, isError: true, subtype: 'error_max_budget_usd', totalCostUsd: 0.52 };
    expect(classify(facts({ exitCode: 1, final: { result: spent, text: '', apiErrorStatus: null } }))).toEqual({
      kind: 'parked',
      limit: { kind: 'budget', status: null, resetAt: null, detail: 'the run cost $0.52' },
      reason: 'the stage reached its budget (the CLI stopped at --max-budget-usd): the run cost $0.52',
      result: spent,
    });
  });
});
