import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FAKE = path.resolve(__dirname, '../fixtures/fake-claude.mjs');
const KEY = 'sk-ant-test-0123456789';
const BASE_ARGS = ['-p', '--output-format', 'stream-json', '--verbose'];

type JsonObject = Record<string, unknown>;

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface RunOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  args?: string[];
  withKey?: boolean;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function baseEnv(withKey: boolean): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env };
  for (const name of Object.keys(env)) {
    if (name.startsWith('FAKE_CLAUDE_') || name === 'ANTHROPIC_API_KEY' || name === 'CLAUDE_API_KEY') delete env[name];
  }
  if (withKey) env.ANTHROPIC_API_KEY = KEY;
  return env;
}

function run(prompt: string, options: RunOptions): Promise<RunResult> {
  const args = [FAKE, ...(options.args ?? BASE_ARGS), '--', prompt];
  const env = { ...baseEnv(options.withKey ?? true), ...options.env };
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      args,
      { cwd: options.cwd, env, maxBuffer: 16 * 1024 * 1024, timeout: 10_000 },
      (error, stdout, stderr) => {
        if (error === null) {
          resolve({ code: 0, signal: null, stdout, stderr });
        } else if (typeof error.code === 'string') {
          reject(error); // could not start at all
        } else {
          resolve({ code: error.code ?? null, signal: error.signal ?? null, stdout, stderr });
        }
      },
    );
  });
}

/** Every non-empty stdout line, parsed as JSON (fails the test if one is not a JSON object). */
function jsonLines(stdout: string): JsonObject[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const parsed: unknown = JSON.parse(line);
      if (!isObject(parsed)) throw new Error(`not a JSON object: ${line}`);
      return parsed;
    });
}

function field(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

function contentOf(line: JsonObject): JsonObject[] {
  const content = field(line.message, 'content');
  return Array.isArray(content) ? content.filter(isObject) : [];
}

function ofType(lines: JsonObject[], type: string): JsonObject[] {
  return lines.filter((line) => line.type === type);
}

function lastLine(lines: JsonObject[]): JsonObject {
  const line = lines.at(-1);
  if (line === undefined) throw new Error('no output lines');
  return line;
}

function assistantTexts(lines: JsonObject[]): string[] {
  return ofType(lines, 'assistant')
    .flatMap(contentOf)
    .filter((block) => block.type === 'text')
    .map((block) => String(block.text));
}

function verdictOf(text: string): unknown {
  const match = /```verdict\n([\s\S]*?)\n```$/.exec(text);
  if (match === null) throw new Error(`no verdict block at the end of: ${text}`);
  return JSON.parse(match[1]);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function expectWellFormedSuccess(lines: JsonObject[], cwd: string): JsonObject {
  const [init] = lines;
  expect(init).toEqual({
    type: 'system',
    subtype: 'init',
    cwd,
    session_id: expect.stringMatching(UUID),
    tools: ['Bash', 'Read', 'Write', 'Edit'],
    model: 'claude-fake-1',
    permissionMode: 'default',
    slash_commands: ['create-spec', 'review'],
    apiKeySource: 'ANTHROPIC_API_KEY',
  });
  const sessionId = init.session_id;

  const assistants = ofType(lines, 'assistant');
  expect(assistants.length).toBeGreaterThanOrEqual(2);
  for (const line of assistants) {
    expect(line).toEqual({
      type: 'assistant',
      message: {
        id: expect.stringMatching(/^msg_\w+$/),
        type: 'message',
        role: 'assistant',
        model: 'claude-fake-1',
        content: expect.any(Array),
        stop_reason: null,
        usage: { input_tokens: expect.any(Number), output_tokens: expect.any(Number) },
      },
      parent_tool_use_id: null,
      session_id: sessionId,
    });
  }

  const toolUseIndex = lines.findIndex(
    (line) => line.type === 'assistant' && contentOf(line).some((block) => block.type === 'tool_use'),
  );
  expect(toolUseIndex).toBeGreaterThan(0);
  const [toolUse] = contentOf(lines[toolUseIndex]);
  expect(toolUse).toEqual({
    type: 'tool_use',
    id: expect.stringMatching(/^toolu_\w+$/),
    name: 'Bash',
    input: { command: 'ls' },
  });
  const toolResultLine = lines[toolUseIndex + 1];
  expect(toolResultLine).toMatchObject({ type: 'user', message: { role: 'user' }, session_id: sessionId });
  expect(contentOf(toolResultLine)).toEqual([
    { type: 'tool_result', tool_use_id: toolUse.id, content: expect.any(String) },
  ]);

  const result = lastLine(lines);
  expect(result).toEqual({
    type: 'result',
    subtype: 'success',
    is_error: false,
    duration_ms: expect.any(Number),
    duration_api_ms: expect.any(Number),
    num_turns: new Set(assistants.map((line) => field(line.message, 'id'))).size,
    result: expect.any(String),
    session_id: sessionId,
    total_cost_usd: expect.any(Number),
    usage: {
      input_tokens: expect.any(Number),
      cache_creation_input_tokens: expect.any(Number),
      cache_read_input_tokens: expect.any(Number),
      output_tokens: expect.any(Number),
    },
    permission_denials: [],
  });
  expect(Number.isInteger(result.duration_ms)).toBe(true);
  expect(Number.isInteger(result.duration_api_ms)).toBe(true);
  expect(result.total_cost_usd).toBeGreaterThan(0);
  expect(result.total_cost_usd).toBeLessThan(10);
  expect(assistantTexts(lines).at(-1)).toBe(result.result);
  return result;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // a zombie nobody has reaped yet still answers signal 0; it is gone all the same
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilDead(pid: number, ms = 3000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return !isAlive(pid);
}

/** Resolves with the first stdout line (parsed) that matches, while the process keeps running. */
function waitForLine(child: ChildProcess, matches: (line: JsonObject) => boolean): Promise<JsonObject> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const stdout = child.stdout;
    if (stdout === null) {
      reject(new Error('no stdout pipe'));
      return;
    }
    const timer = setTimeout(() => reject(new Error(`no matching line in: ${buffer}`)), 5000);
    stdout.setEncoding('utf8');
    stdout.on('data', (chunk: string) => {
      buffer += chunk;
      for (const line of buffer.split('\n').slice(0, -1)) {
        const parsed: unknown = JSON.parse(line);
        if (isObject(parsed) && matches(parsed)) {
          clearTimeout(timer);
          resolve(parsed);
          return;
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before a matching line: ${buffer}`));
    });
  });
}

describe('fake-claude', () => {
  let root: string;
  let workspace: string;
  const spawned: ChildProcess[] = [];
  const strayPids: number[] = [];

  beforeAll(() => {
    root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fake-claude-')));
  });

  beforeEach(() => {
    workspace = fs.mkdtempSync(path.join(root, 'ws-'));
    fs.mkdirSync(path.join(workspace, '.claude', 'commands'), { recursive: true });
    fs.writeFileSync(path.join(workspace, '.claude', 'commands', 'create-spec.md'), 'Write a specification.\n');
    fs.writeFileSync(path.join(workspace, '.claude', 'commands', 'review.md'), 'Review the change.\n');
    fs.writeFileSync(path.join(workspace, 'README.md'), '# workspace\n');
  });

  afterEach(() => {
    for (const child of spawned.splice(0)) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    }
    for (const pid of strayPids.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });

  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('is an executable Node script with a shebang', async () => {
    // given the fixture file
    const stat = fs.statSync(FAKE);
    expect(stat.mode & 0o111).not.toBe(0);
    expect(fs.readFileSync(FAKE, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);

    // when it is executed directly
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(FAKE, [...BASE_ARGS, '--', 'hello'], { cwd: workspace, env: baseEnv(true) }, (error, out) =>
        error ? reject(error) : resolve(out),
      );
    });

    // then it runs and ends with a result line
    expect(lastLine(jsonLines(stdout)).type).toBe('result');
  });

  describe('success', () => {
    it('create-spec: answers with a markdown specification naming the first line', async () => {
      // given a /create-spec prompt and all the ignored flags
      const prompt = '/create-spec Add a health endpoint\n\nIt should return 200.';
      const args = [
        '-p',
        '--output-format',
        'stream-json',
        '--verbose',
        '--model',
        'claude-sonnet-4-5',
        '--max-turns',
        '30',
        '--allowedTools',
        'Bash(git:*)',
        'Read',
        'Edit',
        '--append-system-prompt',
        'Be brief.',
      ];

      // when the fake runs
      const { code, stdout, stderr } = await run(prompt, { cwd: workspace, args });

      // then every line is JSON and the stream has the expected shape
      expect(stderr).toBe('');
      expect(code).toBe(0);
      const result = expectWellFormedSuccess(jsonLines(stdout), workspace);
      expect(result.result).toMatch(/^# Specification: Add a health endpoint/);
      expect(result.result).toContain('/create-spec Add a health endpoint');
      expect(result.result).toContain('## Acceptance criteria');
    });

    it('review: ends with a passing verdict block', async () => {
      // given a /review prompt
      // when the fake runs
      const { code, stdout } = await run('/review Check the change', { cwd: workspace });

      // then the final text ends with a fenced verdict block holding the JSON verdict
      expect(code).toBe(0);
      const result = expectWellFormedSuccess(jsonLines(stdout), workspace);
      const text = String(result.result);
      expect(text.endsWith('```verdict\n{"verdict":"pass","findings":[]}\n```')).toBe(true);
      expect(verdictOf(text)).toEqual({ verdict: 'pass', findings: [] });
    });

    it('implementation: answers with an "Implemented:" summary', async () => {
      // given a plain prompt, a permission mode and a session to resume
      const sessionId = '6f1c1a8e-3b7d-4c1e-9a55-0c2d9f3a7b10';
      const args = [...BASE_ARGS, '--permission-mode', 'acceptEdits', '--resume', sessionId];

      // when the fake runs
      const { code, stdout } = await run('Add a health endpoint', { cwd: workspace, args });

      // then it reports the implementation, under the resumed session and permission mode
      expect(code).toBe(0);
      const lines = jsonLines(stdout);
      expect(lines[0]).toMatchObject({ permissionMode: 'acceptEdits', session_id: sessionId });
      expect(lastLine(lines)).toMatchObject({ session_id: sessionId, result: expect.stringMatching(/^Implemented: /) });
      expect(ofType(lines, 'user').flatMap(contentOf)[0]?.content).toContain('README.md');
    });
  });

  it('fails without --verbose', async () => {
    // given stream-json in print mode without --verbose
    // when the fake runs
    const { code, stdout, stderr } = await run('hello', {
      cwd: workspace,
      args: ['-p', '--output-format', 'stream-json'],
    });

    // then it refuses like the real CLI
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toBe('Error: When using --print, --output-format=stream-json requires --verbose\n');
  });

  it('reports an invalid API key when none is set', async () => {
    // given no API key in the environment
    // when the fake runs
    const { code, stdout } = await run('hello', { cwd: workspace, withKey: false });

    // then it prints init and an error result
    expect(code).toBe(1);
    const lines = jsonLines(stdout);
    expect(lines.map((line) => line.type)).toEqual(['system', 'result']);
    expect(lines[1]).toMatchObject({
      subtype: 'success',
      is_error: true,
      result: 'Invalid API key · Please run /login',
    });
  });

  it('exit1: crashes after an assistant line, without a result', async () => {
    // given the exit1 directive
    // when the fake runs
    const { code, stdout, stderr } = await run('hello [[fake:exit1]]', { cwd: workspace });

    // then it dies with exit 1 and a message on stderr
    expect(code).toBe(1);
    expect(stderr).toContain('fatal: simulated crash');
    expect(jsonLines(stdout).map((line) => line.type)).toEqual(['system', 'assistant']);
  });

  it('is-error: ends with an error result and exit 1', async () => {
    // given the is-error mode through the environment
    // when the fake runs
    const { code, stdout } = await run('hello', { cwd: workspace, env: { FAKE_CLAUDE_MODE: 'is-error' } });

    // then the result is an execution error
    expect(code).toBe(1);
    expect(lastLine(jsonLines(stdout))).toMatchObject({
      type: 'result',
      subtype: 'error_during_execution',
      is_error: true,
      result: 'API Error: 500 simulated',
    });
  });

  it('garbage: interleaves non-JSON and unknown lines, still succeeds', async () => {
    // given the garbage directive
    // when the fake runs
    const { code, stdout } = await run('[[fake:garbage]] hello', { cwd: workspace });

    // then the junk is there, and the JSON lines still form a successful stream
    expect(code).toBe(0);
    const raw = stdout.split('\n').filter((line) => line !== '');
    expect(raw).toContain('this is not json');
    expect(raw).toContain('{broken');
    const json = raw.flatMap((line): JsonObject[] => {
      try {
        const parsed: unknown = JSON.parse(line);
        return isObject(parsed) ? [parsed] : [];
      } catch {
        return [];
      }
    });
    expect(json).toContainEqual({ type: 'mystery', x: 1 });
    expectWellFormedSuccess(
      json.filter((line) => line.type !== 'mystery'),
      workspace,
    );
    expect(lastLine(json)).toMatchObject({ type: 'result', is_error: false });
  });

  it('no-result: exits 0 without a result line', async () => {
    // given the no-result directive
    // when the fake runs
    const { code, stdout } = await run('hello [[fake:no-result]]', { cwd: workspace });

    // then there is no result line
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(ofType(lines, 'assistant').length).toBeGreaterThan(0);
    expect(ofType(lines, 'result')).toEqual([]);
  });

  describe('unknown commands', () => {
    interface UnknownCase {
      name: string;
      prompt: string;
      command: string;
      removeCommands: boolean;
    }
    const cases: UnknownCase[] = [
      { name: 'an unknown slash command', prompt: '/deploy now', command: 'deploy', removeCommands: false },
      { name: 'a known command without its .md file', prompt: '/review it', command: 'review', removeCommands: true },
      {
        name: 'the unknown-command directive',
        prompt: '/create-spec x [[fake:unknown-command]]',
        command: 'create-spec',
        removeCommands: false,
      },
    ];
    it.each(cases)('$name: no turns, a zero-cost result, exit 0', async ({ prompt, command, removeCommands }) => {
      // given
      if (removeCommands) fs.rmSync(path.join(workspace, '.claude'), { recursive: true });

      // when the fake runs
      const { code, stdout } = await run(prompt, { cwd: workspace });

      // then
      expect(code).toBe(0);
      const lines = jsonLines(stdout);
      expect(ofType(lines, 'assistant')).toEqual([]);
      expect(lastLine(lines)).toMatchObject({
        type: 'result',
        subtype: 'success',
        is_error: false,
        num_turns: 0,
        total_cost_usd: 0,
        result: `Unknown command: /${command}`,
      });
    });
  });

  it('print-key: leaks the key in an assistant line, the result and stderr', async () => {
    // given the print-key directive
    // when the fake runs
    const { code, stdout, stderr } = await run('hello [[fake:print-key]]', { cwd: workspace });

    // then the key is everywhere it was asked to be
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    expect(assistantTexts(lines).slice(0, -1).some((text) => text.includes(KEY))).toBe(true);
    expect(lastLine(lines).result).toContain(KEY);
    expect(stderr).toContain(KEY);
  });

  it('write-file: writes the file under cwd and mentions it', async () => {
    // given the write-file directive with a nested path
    // when the fake runs
    const { code, stdout } = await run('hello [[fake:write-file=src/deep/out.txt]]', { cwd: workspace });

    // then the file exists and the final text names it
    expect(code).toBe(0);
    const written = fs.readFileSync(path.join(workspace, 'src', 'deep', 'out.txt'), 'utf8');
    expect(written.split('\n').length).toBeGreaterThan(2);
    expect(lastLine(jsonLines(stdout)).result).toContain('src/deep/out.txt');
  });

  it('fail-times=2: fails twice, then succeeds (state kept per cwd)', async () => {
    // given a state dir
    const stateDir = fs.mkdtempSync(path.join(root, 'state-'));
    const env = { FAKE_CLAUDE_STATE_DIR: stateDir };

    // when the fake runs three times in the same workspace
    const first = await run('hello [[fake:fail-times=2]]', { cwd: workspace, env });
    const second = await run('hello [[fake:fail-times=2]]', { cwd: workspace, env });
    const third = await run('hello [[fake:fail-times=2]]', { cwd: workspace, env });

    // then the first two fail as is-error and the third succeeds
    expect([first.code, second.code, third.code]).toEqual([1, 1, 0]);
    expect(lastLine(jsonLines(first.stdout))).toMatchObject({ is_error: true, result: 'API Error: 500 simulated' });
    expect(lastLine(jsonLines(second.stdout))).toMatchObject({ is_error: true });
    expectWellFormedSuccess(jsonLines(third.stdout), workspace);
  });

  it('fail-times without a state dir: always fails', async () => {
    // given no state dir
    // when the fake runs with fail-times=1 twice
    const first = await run('hi [[fake:fail-times=1]]', { cwd: workspace });
    const second = await run('hi [[fake:fail-times=1]]', { cwd: workspace });

    // then both fail
    expect([first.code, second.code]).toEqual([1, 1]);
  });

  it('qa-fail-times=1: the first review fails with findings, the next passes', async () => {
    // given a state dir
    const env = { FAKE_CLAUDE_STATE_DIR: fs.mkdtempSync(path.join(root, 'state-')) };

    // when the review runs twice
    const first = await run('/review [[fake:qa-fail-times=1]]', { cwd: workspace, env });
    const second = await run('/review [[fake:qa-fail-times=1]]', { cwd: workspace, env });

    // then the verdicts go fail, pass
    const firstVerdict = verdictOf(String(lastLine(jsonLines(first.stdout)).result));
    expect(firstVerdict).toEqual({ verdict: 'fail', findings: [expect.any(String)] });
    expect(verdictOf(String(lastLine(jsonLines(second.stdout)).result))).toEqual({ verdict: 'pass', findings: [] });
    expect([first.code, second.code]).toEqual([0, 0]);
  });

  it('rate-limit-429 with limit-times=1: the CLI\'s retries of a 429 and its error result, then a normal run', async () => {
    // given a state dir
    const env = { FAKE_CLAUDE_STATE_DIR: fs.mkdtempSync(path.join(root, 'state-')) };

    // when the fake runs twice
    const first = await run('hello [[fake:rate-limit-429,limit-times=1,retry-delay-ms=30000]]', { cwd: workspace, env });
    const second = await run('hello [[fake:rate-limit-429,limit-times=1]]', { cwd: workspace, env });

    // then the first prints two api_retry lines for 429 and ends in the real CLI's error result; the second succeeds
    const lines = jsonLines(first.stdout);
    expect(lines.filter((line) => line.subtype === 'api_retry')).toEqual([
      expect.objectContaining({ attempt: 1, error_status: 429, error: 'rate_limit', retry_delay_ms: 30000 }),
      expect.objectContaining({ attempt: 2, error_status: 429, error: 'rate_limit', retry_delay_ms: 30000 }),
    ]);
    expect(lastLine(lines)).toMatchObject({ type: 'result', is_error: true, api_error_status: 429, result: expect.stringMatching(/^API Error: Request rejected \(429\)/) });
    expect(first.code).toBe(1);
    expectWellFormedSuccess(jsonLines(second.stdout), workspace);
  });

  it('overloaded-529 and usage-limit=<epoch>: the CLI\'s results for an overloaded API and a spent subscription', async () => {
    const overloaded = await run('hello [[fake:overloaded-529]]', { cwd: workspace });
    expect(lastLine(jsonLines(overloaded.stdout))).toMatchObject({ is_error: true, api_error_status: 529, result: expect.stringMatching(/^API Error: 529 Overloaded/) });
    const usage = await run('hello [[fake:usage-limit=1782914700]]', { cwd: workspace });
    expect(lastLine(jsonLines(usage.stdout))).toMatchObject({ is_error: true, result: 'Claude AI usage limit reached|1782914700' });
    expect([overloaded.code, usage.code]).toEqual([1, 1]);
  });

  it('cost-per-line=<usd>: the cost grows by about that much a line, and --max-budget-usd stops the run past it', async () => {
    const unbounded = lastLine(jsonLines((await run('hello [[fake:cost-per-line=0.05]]', { cwd: workspace })).stdout));
    expect(unbounded).toMatchObject({ subtype: 'success', is_error: false });
    expect(Number(unbounded.total_cost_usd)).toBeGreaterThan(0.15);

    const bounded = await run('hello [[fake:cost-per-line=0.05]]', { cwd: workspace, args: [...BASE_ARGS, '--max-budget-usd', '0.08'] });
    const lines = jsonLines(bounded.stdout);
    expect(lastLine(lines)).toMatchObject({ type: 'result', subtype: 'error_max_budget_usd', is_error: true });
    expect(ofType(lines, 'assistant').length).toBeLessThan(ofType(jsonLines((await run('hello [[fake:cost-per-line=0.05]]', { cwd: workspace })).stdout), 'assistant').length);
    expect(bounded.code).toBe(1);
  });

  it('logs each invocation without the key when FAKE_CLAUDE_LOG is set', async () => {
    // given a log file and a backend URL
    const log = path.join(root, `log-${path.basename(workspace)}.jsonl`);
    const env = { FAKE_CLAUDE_LOG: log, BACKEND_URL: 'http://backend:3000' };

    // when the fake runs
    await run('hello', { cwd: workspace, env });

    // then one line describes the invocation
    const entries = jsonLines(fs.readFileSync(log, 'utf8'));
    expect(entries).toEqual([
      {
        argv: [...BASE_ARGS, '--', 'hello'],
        cwd: workspace,
        pid: expect.any(Number),
        backendUrl: 'http://backend:3000',
        hasApiKey: true,
        prompt: 'hello',
      },
    ]);
    expect(fs.readFileSync(log, 'utf8')).not.toContain(KEY);
  });

  it('hang-with-child: killing the process group ends both processes', async () => {
    // given the fake in its own process group, hanging with a child
    const child = spawn(process.execPath, [FAKE, ...BASE_ARGS, '--', 'hello [[fake:hang-with-child]]'], {
      cwd: workspace,
      env: baseEnv(true),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    spawned.push(child);
    const fakeChild = await waitForLine(child, (line) => line.subtype === 'fake_child');
    const parentPid = child.pid;
    const childPid = fakeChild.pid;
    if (parentPid === undefined || typeof childPid !== 'number') throw new Error('missing pids');
    strayPids.push(childPid);
    expect(isAlive(childPid)).toBe(true);

    // when the whole group is killed
    const exited = once(child, 'exit');
    process.kill(-parentPid, 'SIGKILL');
    const [, signal] = await exited;

    // then both are gone
    expect(signal).toBe('SIGKILL');
    expect(await waitUntilDead(parentPid)).toBe(true);
    expect(await waitUntilDead(childPid)).toBe(true);
  });

  it('hang + ignore-sigterm: survives SIGTERM, dies on SIGKILL', async () => {
    // given a hanging fake that ignores SIGTERM
    const child = spawn(process.execPath, [FAKE, ...BASE_ARGS, '--', 'x [[fake:hang]] [[fake:ignore-sigterm]]'], {
      cwd: workspace,
      env: baseEnv(true),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    spawned.push(child);
    await waitForLine(child, (line) => line.subtype === 'init');

    // when it gets SIGTERM, then SIGKILL
    child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const aliveAfterTerm = child.exitCode === null && child.signalCode === null;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    const [, signal] = await exited;

    // then only SIGKILL ended it
    expect(aliveAfterTerm).toBe(true);
    expect(signal).toBe('SIGKILL');
  });

  it('hang: the default SIGTERM handling still ends it', async () => {
    // given a hanging fake
    const child = spawn(process.execPath, [FAKE, ...BASE_ARGS, '--', 'x [[fake:hang]]'], {
      cwd: workspace,
      env: baseEnv(true),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    spawned.push(child);
    await waitForLine(child, (line) => line.subtype === 'init');

    // when it gets SIGTERM
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [, signal] = await exited;

    // then it is gone
    expect(signal).toBe('SIGTERM');
  });

  it('orphan-child: succeeds while its child keeps running', async () => {
    // given the orphan-child directive
    // when the fake runs to completion
    const { code, stdout } = await run('hello [[fake:orphan-child]]', { cwd: workspace });

    // then it succeeded and the child it reported is still alive
    expect(code).toBe(0);
    const lines = jsonLines(stdout);
    const fakeChild = lines.find((line) => line.subtype === 'fake_child');
    const pid = fakeChild?.pid;
    if (typeof pid !== 'number') throw new Error('no fake_child pid');
    strayPids.push(pid);
    expect(isAlive(pid)).toBe(true);
    expect(lastLine(lines)).toMatchObject({ type: 'result', is_error: false });
  });

  it('slow: waits between lines', async () => {
    // given slow=40
    // when the fake runs
    const started = Date.now();
    const { code, stdout } = await run('hello [[fake:slow=40]]', { cwd: workspace });

    // then at least one pause per line after the first went by
    const lines = jsonLines(stdout);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(40 * (lines.length - 1));
    expect(lastLine(lines).duration_ms).toBeGreaterThanOrEqual(40 * (lines.length - 2));
  });

  it('slow on /create-spec: the fake_slash_command line is not paced, only the CLI lines are', async () => {
    // given slow=600 on a /create-spec prompt
    // when the fake runs
    const { code, stdout } = await run('/create-spec Add a health endpoint [[fake:slow=600]]', { cwd: workspace });

    // then the result's duration covers the pauses before the CLI lines before it (not the init, not the report), and not one more
    const lines = jsonLines(stdout);
    expect(code).toBe(0);
    expect(lines[1]).toMatchObject({ type: 'system', subtype: 'fake_slash_command', name: 'create-spec' });
    const pausedBeforeResult = lines.length - 3;
    const { duration_ms: durationMs } = lastLine(lines);
    expect(durationMs).toBeGreaterThanOrEqual(600 * pausedBeforeResult);
    expect(durationMs).toBeLessThan(600 * (pausedBeforeResult + 1));
  });

  it('big-spec=150000 with the prompt on stdin: the specification is about 150 KB', async () => {
    // given a /create-spec prompt asking for a big specification, written to stdin (no prompt argument)
    const prompt = '/create-spec Add a health endpoint [[fake:big-spec=150000]]';

    // when the fake runs
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile(process.execPath, [FAKE, ...BASE_ARGS], { cwd: workspace, env: baseEnv(true), maxBuffer: 16 * 1024 * 1024 }, (error, out) =>
        error ? reject(error) : resolve(out),
      );
      child.stdin?.end(prompt);
    });

    // then it read the prompt from stdin and its result is a specification of 150–160 KB
    const result = lastLine(jsonLines(stdout));
    const text = String(result.result);
    expect(text.startsWith('# Specification: Add a health endpoint')).toBe(true);
    expect(Buffer.byteLength(text)).toBeGreaterThanOrEqual(150_000);
    expect(Buffer.byteLength(text)).toBeLessThan(160_000);
    expect(text).toContain('- Detail 1: ');
  });

  it('big-output=1000000: writes about 1 MB of JSON lines, then the result', async () => {
    // given big-output of 1 MB
    // when the fake runs
    const { code, stdout } = await run('hello [[fake:big-output=1000000]]', { cwd: workspace });

    // then the output is large, every line parses and it ends with a successful result
    expect(code).toBe(0);
    expect(stdout.length).toBeGreaterThanOrEqual(1_000_000);
    expect(stdout.length).toBeLessThan(1_200_000);
    const lines = jsonLines(stdout);
    expect(ofType(lines, 'assistant').length).toBeGreaterThan(900);
    expectWellFormedSuccess(lines, workspace);
  });
});
