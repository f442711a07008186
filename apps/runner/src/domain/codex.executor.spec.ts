import { CodexExecutor, codexPromptFor } from './codex.executor';
import type { RunFacts } from './outcome';

const ENDED_AT = new Date('2026-12-01T12:00:00Z');
const executor = new CodexExecutor({ cliPath: '/opt/codex', apiKey: 'sk-proj-spec-key-0123456789', model: 'gpt-5' });
const context = { taskTitle: 'Add a health endpoint', taskDescription: 'GET /health answers 200' };
const request = { stageType: 'implementation' as const, context, model: null, resumeSessionId: null, apiBaseUrl: 'http://127.0.0.1:39100', confined: true, maxBudgetUsd: null };

describe('the Codex executor', () => {
  it('given a confined run, then codex exec --json names the runner\'s provider at the forward, its own sandbox off, the prompt on stdin', () => {
    const { args, input, slashCommand } = executor.command(request);
    expect(args.slice(0, 5)).toEqual(['exec', '--json', '--skip-git-repo-check', '--sandbox', 'danger-full-access']);
    expect(args).toContain('model_provider="orch"');
    expect(args).toContain('model_providers.orch={name="orch",base_url="http://127.0.0.1:39100",env_key="OPENAI_API_KEY",wire_api="responses",supports_websockets=false}');
    expect(args.slice(-3)).toEqual(['--model', 'gpt-5', '-']);
    expect(input).toBe('# Task: Add a health endpoint\n\nGET /health answers 200');
    expect(slashCommand).toBeNull();
  });

  it('given a host run resuming a thread with its own model, then Codex keeps its workspace-write sandbox and resumes the thread', () => {
    const { args } = executor.command({ ...request, confined: false, model: 'o4', resumeSessionId: '01a2317c-024d-7ff2-a36c-b94ad0332427' });
    expect(args[4]).toBe('workspace-write');
    expect(args.slice(-5)).toEqual(['--model', 'o4', 'resume', '01a2317c-024d-7ff2-a36c-b94ad0332427', '-']);
  });

  it('given QA, then the prompt holds the review instructions (no slash command) with the context in place of $ARGUMENTS', () => {
    const prompt = codexPromptFor('qa', context);
    expect(prompt).toMatch(/^Review the work in this workspace/);
    expect(prompt).toContain('info string is `verdict`');
    expect(prompt).toContain('# Task: Add a health endpoint');
    expect(prompt).not.toContain('$ARGUMENTS');
    expect(prompt).not.toContain('description:');
  });

  it('given the runner\'s environment, then Codex gets the allow-list, its key and CODEX_HOME, and none of the system\'s variables nor the Claude key', () => {
    const env = executor.env(
      { PATH: '/usr/bin', DATABASE_URL: 'postgres://x', CLAUDE_API_KEY: 'sk-ant-x', ANTHROPIC_API_KEY: 'sk-ant-y', NATS_PASSWORD: 'p', OPENAI_API_KEY: 'sk-proj-runner' },
      { backendPort: 8081, configDir: '/ws/t/claude-config', passthrough: [] },
    );
    expect(env).toMatchObject({ PATH: '/usr/bin', OPENAI_API_KEY: 'sk-proj-spec-key-0123456789', CODEX_HOME: '/ws/t/claude-config', TMPDIR: '/ws/t/claude-config/.tmp', BACKEND_URL: 'http://localhost:8081' });
    for (const name of ['DATABASE_URL', 'CLAUDE_API_KEY', 'ANTHROPIC_API_KEY', 'NATS_PASSWORD']) expect(env).not.toHaveProperty(name);
  });

  it('given a codex exec --json stream, then it is read into typed entries and the final result, the thread its session', () => {
    const reader = executor.reader();
    const lines = [
      { type: 'thread.started', thread_id: 'th-1' },
      { type: 'turn.started' },
      { type: 'item.started', item: { id: 'item_1', type: 'command_execution', command: 'npm test', status: 'in_progress' } },
      { type: 'item.completed', item: { id: 'item_1', type: 'command_execution', command: 'npm test', aggregated_output: 'ok\n', exit_code: 0, status: 'completed' } },
      { type: 'item.completed', item: { id: 'item_2', type: 'file_change', changes: [{ path: 'a.ts', kind: 'add' }], status: 'completed' } },
      { type: 'item.completed', item: { id: 'item_3', type: 'agent_message', text: 'Done.' } },
      { type: 'turn.completed', usage: { input_tokens: 100, cached_input_tokens: 10, output_tokens: 7 } },
    ];
    expect(lines.flatMap((line) => reader.read(line))).toEqual([
      { kind: 'tool-call', callId: 'item_1', tool: 'exec_command', input: '{"command":"npm test"}' },
      { kind: 'tool-result', callId: 'item_1', output: 'ok\n', isError: false },
      { kind: 'tool-call', callId: 'item_2', tool: 'file_change', input: '{"changes":[{"path":"a.ts","kind":"add"}]}' },
      { kind: 'tool-result', callId: 'item_2', output: '[{"path":"a.ts","kind":"add"}]', isError: false },
      { kind: 'text', text: 'Done.' },
      { kind: 'usage', inputTokens: 100, outputTokens: 7, cacheReadInputTokens: 10 },
      { kind: 'result', isError: false, text: 'Done.', sessionId: 'th-1', totalCostUsd: 0 },
    ]);
    expect(reader.init?.sessionId).toBe('th-1');
    expect(reader.final?.result).toMatchObject({ isError: false, sessionId: 'th-1', numTurns: 1, usage: { inputTokens: 100, outputTokens: 7, cacheReadInputTokens: 10, cacheCreationInputTokens: 0 } });
  });

  it('given a 401 in an error event, then the reader notes the refusal, and the run is classified as a refused OpenAI key', () => {
    const reader = executor.reader();
    reader.read({ type: 'thread.started', thread_id: 'th-2' });
    reader.read({ type: 'error', message: 'unexpected status 401 Unauthorized: Incorrect API key provided' });
    expect(reader.refusal).toEqual({ status: 401, error: 'authentication_failed' });
    const outcome = executor.classify(facts({ apiRefusal: reader.refusal, init: reader.init }), ENDED_AT);
    expect(outcome).toMatchObject({ kind: 'failed', retryable: false, reason: 'the API key was refused: the API answered HTTP 401 (authentication_failed); check OPENAI_API_KEY (and OPENAI_BASE_URL if set)' });
  });

  it('given a failed turn, then it is a retryable error of the Codex CLI; given a resumed thread Codex cannot find, then the session is forgotten', () => {
    const reader = executor.reader();
    reader.read({ type: 'turn.failed', error: { message: 'simulated failure of the model' } });
    expect(executor.classify(facts({ final: reader.final, exitCode: 1 }), ENDED_AT)).toMatchObject({ kind: 'failed', retryable: true, reason: 'the Codex CLI reported an error (exit 1, error_during_execution): simulated failure of the model' });
    expect(executor.sessionNotFound(facts({ resumedSessionId: 'th-9', stderrTail: 'Error: thread/resume: thread/resume failed: no rollout found for thread id th-9' }))).toBe(true);
    expect(executor.sessionNotFound(facts({ resumedSessionId: null, stderrTail: 'no rollout found' }))).toBe(false);
  });
});

function facts(overrides: Partial<RunFacts>): RunFacts {
  return {
    stageType: 'implementation',
    exitCode: 0,
    signal: null,
    spawnError: null,
    init: null,
    final: null,
    apiRefusal: null,
    lastApiRetry: null,
    slashCommand: null,
    resumedSessionId: null,
    verdict: null,
    stderrTail: '',
    stdoutLines: 1,
    nonJsonLines: 0,
    cliPath: '/opt/codex',
    ...overrides,
  };
}
