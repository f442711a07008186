import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newMessage, SCHEDULER_AGGREGATE, uuidv7, type MessageOf } from '@app/contracts';
import { CLAUDE_NATIVE_MISSING_PATH, eventually } from '@app/testing';
import { RunnerHarness, type ScheduledStage } from '@test/support';
import { livePids } from '../../../libs/testing/src/leftovers';
import { readStream } from '../../../libs/testing/src/stream-dump';
import { useSuite } from '../../../test/support/suite';

/** What the fake CLI wrote to FAKE_CLAUDE_LOG for each of its runs. */
interface FakeInvocation {
  argv: string[];
  cwd: string;
  pid: number;
  backendUrl: string | null;
  hasApiKey: boolean;
  prompt: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('the runner, with the fake Claude CLI, against the real NATS', () => {
  let harness: RunnerHarness;
  let scratch: string;
  let fakeLog: string;

  useSuite(async (keep) => {
    scratch = await mkdtemp(path.join(tmpdir(), 'runner-int-'));
    fakeLog = path.join(scratch, 'fake-claude.log');
    process.env.FAKE_CLAUDE_LOG = fakeLog; // the runner hands the fake CLI its own variables (AGENT_ENV_PASSTHROUGH)
    harness = await RunnerHarness.start({ heartbeatMs: 300 });
    keep(() => rm(scratch, { recursive: true, force: true }));
    keep(async () => {
      delete process.env.FAKE_CLAUDE_LOG;
    });
    keep(() => harness?.stop());
  }, 30_000);

  /** Runs one stage whose prompt carries `directives` (and a marker to find its invocation). */
  const runStage = (directives: string, options: Parameters<RunnerHarness['schedule']>[0] = {}) =>
    harness.schedule({ description: `GET /health answers 200 ${directives} marker-${uuidv7()}`, ...options });

  const invocationOf = async (stage: ScheduledStage): Promise<FakeInvocation> => {
    const marker = /marker-[0-9a-f-]+/.exec(stage.command.data.context.taskDescription)?.[0] ?? '';
    return eventually(async () => {
      const text = await readFile(fakeLog, 'utf8').catch(() => '');
      const entries = text.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as FakeInvocation);
      return entries.find((entry) => entry.prompt.includes(marker));
    }, 10_000, 'the fake CLI to be invoked');
  };

  const childPidOf = async (stage: ScheduledStage): Promise<number> =>
    eventually(async () => {
      const line = (await harness.logLines(stage.taskId)).find((entry) => entry.json?.subtype === 'fake_child');
      return typeof line?.json?.pid === 'number' ? line.json.pid : undefined;
    }, 10_000, 'the fake_child line');

  describe('success', () => {
    it('given an implementation stage, when it runs, then StageStarted is stored and StageCompleted carries the cost, session, turns and duration', async () => {
      const stage = await runStage('');
      const completed = await harness.outcomeOf(stage, 'StageCompleted');

      expect(completed.output).toMatch(/^Implemented: # Task: Add a health endpoint/);
      expect(completed.result).toMatchObject({ isError: false, subtype: 'success', permissionDenials: [] });
      expect(completed.result.numTurns).toBeGreaterThanOrEqual(2);
      expect(completed.result.totalCostUsd).toBeGreaterThan(0);
      expect(completed.result.sessionId).toMatch(UUID);
      expect(completed.result.durationMs).toBeGreaterThanOrEqual(0);
      expect(completed.result.usage.inputTokens).toBeGreaterThan(0);
      expect(completed.diffStat).toBeNull(); // a scratch directory, no repository
      const types = (await harness.taskEvents(stage.taskId)).map((event) => event.type);
      expect(types).toEqual(['TaskCreated', 'OrchestrationStarted', 'StageScheduled', 'StageStarted', 'StageCompleted']);
    });

    it('then the CLI got the exact headless command line (the prompt on stdin), BACKEND_URL, the key, and its own config dir', async () => {
      const stage = await runStage('');
      await harness.outcomeOf(stage, 'StageCompleted');
      const invocation = await invocationOf(stage);

      expect(invocation.argv).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits']);
      expect(invocation.prompt).toBe(`# Task: Add a health endpoint\n\n${stage.command.data.context.taskDescription}`);
      expect(invocation.backendUrl).toBe('http://localhost:18999');
      expect(invocation.hasApiKey).toBe(true);
      expect(invocation.cwd).toBe(path.join(await realWorkspaces(harness), 'tasks', stage.taskId, 'work'));
    });

    it('given the specification and QA stages, then their slash commands run and QA carries its verdict', async () => {
      const spec = await runStage('', { stageType: 'specification' });
      expect((await harness.outcomeOf(spec, 'StageCompleted')).output).toMatch(/^# Specification: # Task: Add a health endpoint/);

      const qa = await runStage('', { stageType: 'qa', context: { implementationSummary: 'Implemented it' } });
      const completed = await harness.outcomeOf(qa, 'StageCompleted');
      expect(completed.verdict).toEqual({ verdict: 'pass', findings: [] });
    });

    it('given garbage lines among the stream, then they are kept as text in ORCH_LOGS and the stage still completes', async () => {
      const stage = await runStage('[[fake:garbage]]');
      await harness.outcomeOf(stage, 'StageCompleted');
      const lines = await harness.logLines(stage.taskId);

      expect(lines.find((line) => line.text === 'this is not json')).toMatchObject({ stream: 'stdout', json: null });
      expect(lines.find((line) => line.text === '{broken')).toMatchObject({ json: null });
      expect(lines.find((line) => line.json?.type === 'mystery')?.json).toEqual({ type: 'mystery', x: 1 });
      expect(lines.map((line) => line.index)).toEqual(lines.map((_, index) => index));
    });

    it('given an agent that leaves a child running when it exits, then the child is ended with its stage', async () => {
      const stage = await runStage('[[fake:orphan-child]]');
      await harness.outcomeOf(stage, 'StageCompleted');
      const child = await childPidOf(stage);
      await eventually(async () => ((await livePids([child])).length === 0 ? true : undefined), 5_000, 'the orphan to be gone');
    });
  });

  describe('failures, each with its own reason and retryability', () => {
    it('given exit 1 without a result, then StageFailed is retryable and quotes stderr', async () => {
      const failed = await harness.outcomeOf(await runStage('[[fake:exit1]]'), 'StageFailed');
      expect(failed).toMatchObject({ retryable: true, exitCode: 1, result: null, reason: 'the Claude CLI exited with code 1 without a result line: fatal: simulated crash' });
    });

    it('given is_error: true, then StageFailed is retryable and keeps the result', async () => {
      const failed = await harness.outcomeOf(await runStage('[[fake:is-error]]'), 'StageFailed');
      expect(failed).toMatchObject({ retryable: true, exitCode: 1, result: { isError: true, subtype: 'error_during_execution' } });
      expect(failed.reason).toBe('the Claude CLI reported an error (exit 1, error_during_execution): API Error: 500 simulated');
    });

    it('given no result line, then StageFailed is retryable', async () => {
      const failed = await harness.outcomeOf(await runStage('[[fake:no-result]]'), 'StageFailed');
      expect(failed).toMatchObject({ retryable: true, exitCode: 0, reason: 'the Claude CLI exited with code 0 without a result line' });
    });

    it('given garbage and no result line, then StageFailed says how many lines were not JSON', async () => {
      const failed = await harness.outcomeOf(await runStage('[[fake:garbage,no-result]]'), 'StageFailed');
      expect(failed.retryable).toBe(true);
      expect(failed.reason).toMatch(/^the Claude CLI exited with code 0 without a result line \(2 of \d+ output lines were not JSON\)$/); // `{broken` and `this is not json`; the mystery line is JSON
    });

    it('given an unknown slash command, then StageFailed is not retryable', async () => {
      const failed = await harness.outcomeOf(await runStage('[[fake:unknown-command]]'), 'StageFailed');
      expect(failed).toMatchObject({ retryable: false, reason: "the CLI did not find the slash command /fake-unknown in the workspace's .claude/commands" });
    });
  });

  describe('timeout and cancel', () => {
    it('given a hang with a grandchild sleep, when the timeout passes, then both pids are gone and StageTimedOut is reported once', async () => {
      const stage = await runStage('[[fake:hang-with-child]]', { timeoutS: 2 });
      const agent = (await invocationOf(stage)).pid;
      const grandchild = await childPidOf(stage);
      expect(await livePids([agent, grandchild])).toHaveLength(2);

      const timedOut = await harness.outcomeOf(stage, 'StageTimedOut', 15_000);
      expect(timedOut.reason).toMatch(/longer than the stage's 2 s/);
      expect(await livePids([agent, grandchild])).toEqual([]);
      await settle();
      expect((await harness.outcomes(stage)).map((event) => event.type)).toEqual(['StageTimedOut']);
    });

    it('given an agent that ignores SIGTERM, when the timeout passes, then SIGKILL ends it after the grace', async () => {
      const stage = await runStage('[[fake:hang,ignore-sigterm]]', { timeoutS: 1 });
      const agent = (await invocationOf(stage)).pid;
      await harness.outcomeOf(stage, 'StageTimedOut', 15_000);
      expect(await livePids([agent])).toEqual([]);
    }, 30_000);

    it('given a running stage, then RunHeartbeat events go to the heartbeat subject (ORCH_HEARTBEATS, not the event log) while it runs', async () => {
      const stage = await runStage('[[fake:hang]]', { timeoutS: 2 });
      await harness.outcomeOf(stage, 'StageTimedOut', 15_000);
      const beats = (await readStream(harness.client, harness.client.subjects.heartbeatsStream, harness.subjects.heartbeat(stage.taskId))).map((message) => JSON.parse(message.text) as unknown);
      expect(beats.length).toBeGreaterThanOrEqual(2);
      expect(beats[0]).toMatchObject({ type: 'RunHeartbeat', data: { stageId: stage.stageId, attempt: 1, runnerId: 'runner@test' } });
    });

    it('given a hang with a grandchild, when CancelRun arrives mid-run, then both pids are gone and StageCancelled is stored once', async () => {
      const stage = await runStage('[[fake:hang-with-child]]', { timeoutS: 60 });
      const agent = (await invocationOf(stage)).pid;
      const grandchild = await childPidOf(stage);
      const { taskId, stageId, attempt } = stage;
      const cancelledAt = Date.now();
      await harness.send(newMessage('CancelRun', taskId, { taskId, stageId, attempt, reason: 'the user cancelled' }, { producer: 'test', occurredAt: new Date().toISOString() }));

      const cancelled = await harness.outcomeOf(stage, 'StageCancelled', 10_000);
      expect(cancelled).toMatchObject({ reason: 'the user cancelled', stageType: 'implementation', orchestrationId: stage.orchestrationId });
      await eventually(async () => ((await livePids([agent, grandchild])).length === 0 ? true : undefined), 5_000, 'the agent and its child to be gone');
      expect(Date.now() - cancelledAt).toBeLessThan(5_000);
      await settle();
      expect((await harness.outcomes(stage)).map((event) => event.type)).toEqual(['StageCancelled']);
    });

    it('given the orchestrator cancels the task itself, then the agent stops, nothing more is reported and the workspace goes', async () => {
      const stage = await runStage('[[fake:hang-with-child]]', { timeoutS: 60 });
      const agent = (await invocationOf(stage)).pid;
      const grandchild = await childPidOf(stage);
      const origin = { producer: 'orchestrator@test', occurredAt: new Date().toISOString() };
      const ref = { taskId: stage.taskId, orchestrationId: stage.orchestrationId, stageId: stage.stageId, stageType: stage.stageType, attempt: 1 };
      await harness.append(newMessage('StageCancelled', stage.taskId, { ...ref, reason: 'cancelled from the board', cancelledAt: origin.occurredAt }, origin));
      await harness.append(newMessage('OrchestrationCancelled', stage.taskId, { taskId: stage.taskId, orchestrationId: stage.orchestrationId, reason: 'cancelled from the board', cancelledAt: origin.occurredAt }, origin));
      // the task's slot goes back to the scheduler: the runners' cue that the task ended
      await harness.append(newMessage('OrchestrationReleased', SCHEDULER_AGGREGATE, { taskId: stage.taskId, orchestrationId: stage.orchestrationId, outcome: 'cancelled' }, origin));

      await eventually(async () => ((await livePids([agent, grandchild])).length === 0 ? true : undefined), 5_000, 'the agent and its child to be gone');
      const taskDir = path.join(await realWorkspaces(harness), 'tasks', stage.taskId);
      await eventually(async () => ((await readFile(path.join(taskDir, 'work', '.claude', 'commands', 'review.md')).catch(() => null)) === null ? true : undefined), 10_000, 'the workspace to be removed');
      await settle();
      expect((await harness.outcomes(stage)).map((event) => event.type)).toEqual(['StageCancelled']);
    });

    it('given a RunStage delivered again after the attempt started, then it is not run twice', async () => {
      const stage = await runStage('');
      await harness.outcomeOf(stage, 'StageCompleted');
      await harness.send({ ...stage.command, id: uuidv7() } as MessageOf<'RunStage'>);
      await settle();
      const types = (await harness.taskEvents(stage.taskId)).map((event) => event.type);
      expect(types.filter((type) => type === 'StageStarted')).toHaveLength(1);
    });
  });

  describe('sessions', () => {
    it('given a failed attempt, when the stage is retried, then the retry resumes the session of the attempt before (in the task\'s own config dir)', async () => {
      const description = `Try twice [[fake:is-error]] marker-${uuidv7()}`;
      const first = await harness.schedule({ description });
      const firstFailure = await harness.outcomeOf(first, 'StageFailed');
      const sessionId = firstFailure.result?.sessionId ?? '';
      expect(sessionId).toMatch(UUID);

      const retry = await harness.schedule({ taskId: first.taskId, attempt: 2, description });
      await harness.outcomeOf(retry, 'StageFailed');
      const invocations = (await readFile(fakeLog, 'utf8')).split('\n').filter((line) => line.includes(description.slice(-40))).map((line) => JSON.parse(line) as FakeInvocation);
      expect(invocations).toHaveLength(2);
      expect(invocations[0]?.argv).not.toContain('--resume');
      expect(invocations[1]?.argv).toEqual(['-p', '--output-format', 'stream-json', '--verbose', '--permission-mode', 'acceptEdits', '--resume', sessionId]);
    });
  });

  describe('secrets', () => {
    it('given an agent that prints the key (plain and base64), then it appears nowhere in ORCH_LOGS or the events', async () => {
      const key = harness.config.apiKey ?? '';
      const stage = await runStage('[[fake:print-key,print-key-base64]]');
      const completed = await harness.outcomeOf(stage, 'StageCompleted');
      expect(completed.output).toContain('API key: [REDACTED]');

      const raw = await harness.rawStreams();
      expect(raw).toContain('[REDACTED]');
      expect(raw).not.toContain(key);
      expect(raw).not.toContain(Buffer.from(key).toString('base64').slice(2, -2));
      expect(raw).not.toContain(key.slice(4)); // no long piece of it either
      const stderr = (await harness.logLines(stage.taskId)).filter((line) => line.stream === 'stderr').map((line) => line.text);
      expect(stderr).toContain('fake-claude: ANTHROPIC_API_KEY=[REDACTED]');
    });
  });
});

describe('the runner shutting down mid-run', () => {
  it('given a hanging agent, when the runner stops, then the agent is ended and the attempt failed as retryable', async () => {
    const harness = await RunnerHarness.start();
    try {
      const stage = await harness.schedule({ description: 'Hang [[fake:hang-with-child]]', timeoutS: 60 });
      const child = await eventually(async () => {
        const line = (await harness.logLines(stage.taskId)).find((entry) => entry.json?.subtype === 'fake_child');
        return typeof line?.json?.pid === 'number' ? line.json.pid : undefined;
      }, 10_000, 'the fake_child line');
      await harness.closeRunner();

      expect(await livePids([child])).toEqual([]);
      const outcomes = await harness.outcomes(stage);
      expect(outcomes.map((event) => event.type)).toEqual(['StageFailed']);
      expect(outcomes[0]?.data).toMatchObject({ retryable: true, reason: 'the runner shut down while the stage ran' });
    } finally {
      await harness.stop();
    }
  }, 30_000);
});

describe('the runner, with a CLI that cannot run', () => {
  it('given a missing binary, then StageFailed is not retryable and names CLAUDE_CLI_PATH', async () => {
    const harness = await RunnerHarness.start({ cliPath: '/nonexistent/bin/claude' });
    try {
      const failed = await harness.outcomeOf(await harness.schedule(), 'StageFailed');
      expect(failed).toMatchObject({ retryable: false, exitCode: null, result: null });
      expect(failed.reason).toBe('the Claude CLI could not be started from /nonexistent/bin/claude (ENOENT); install it with npm ci or set CLAUDE_CLI_PATH');
    } finally {
      await harness.stop();
    }
  }, 30_000);

  it('given the npm placeholder without its native binary, then StageFailed is not retryable and says how to install it', async () => {
    const harness = await RunnerHarness.start({ cliPath: CLAUDE_NATIVE_MISSING_PATH });
    try {
      const failed = await harness.outcomeOf(await harness.schedule(), 'StageFailed');
      expect(failed).toMatchObject({ retryable: false, exitCode: 1 });
      expect(failed.reason).toMatch(/^the Claude CLI native binary is not installed/);
    } finally {
      await harness.stop();
    }
  }, 30_000);
});

/** Long enough for a second outcome, had one been coming, to be stored. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 1_500));
}

function realWorkspaces(harness: RunnerHarness): Promise<string> {
  return realpath(harness.config.workspacesDir);
}
