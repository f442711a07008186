import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { EventTail } from '../../../libs/testing/src/event-tail';
import { recordFigures } from '../../../libs/testing/src/figures';
import { FAKE_CLAUDE_ENV, FAKE_CLAUDE_PATH } from '../../../libs/testing/src/fixtures';
import { checkInvariants, distinctEvents } from '../../../test/support/invariants';
import { livePids, processesUnder } from '../../../libs/testing/src/leftovers';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import { messagingEnv, spawnApp, type AppProcess } from '../../../libs/testing/src/processes';
import { startTestSystem, type TestSystem } from '../../../test/support/system';

const HEARTBEAT_TIMEOUT_S = 3;
const LIMIT = 3;

/** Fault 1: the runner SIGKILLed mid-stage; the orchestrator's heartbeat watchdog closes the attempt and a second runner finishes the work. */
describe('fault 1: SIGKILL the runner in the middle of a stage', () => {
  let system: TestSystem;
  let client: NatsClient;
  let scratch: string;
  const runners: AppProcess[] = [];

  beforeAll(async () => {
    await buildAppsOnce();
    scratch = await mkdtemp(path.join(tmpdir(), 'orch-fault1-'));
    system = await startTestSystem({ runner: false, heartbeatTimeoutS: HEARTBEAT_TIMEOUT_S, poolSize: LIMIT, rules: { maxConcurrent: LIMIT } });
    client = await connectTestClient(system.messaging);
  }, 240_000);

  afterAll(async () => {
    for (const runner of runners) await runner.kill('SIGKILL');
    await client?.close();
    await system?.stop();
    await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  const runner = (name: string) => {
    const process = spawnApp(
      'runner',
      {
        ...messagingEnv(system.messaging, 'runner'),
        RUNNER_ID: name,
        CLAUDE_CLI_PATH: FAKE_CLAUDE_PATH,
        CLAUDE_API_KEY: 'sk-ant-test-key',
        WORKSPACES_DIR: system.workspacesDir,
        RUNNER_HEARTBEAT_MS: '500',
        RUNNER_LOG_BATCH_MS: '50',
        RUNNER_KILL_GRACE_MS: '1000',
        FAKE_CLAUDE_LOG: path.join(scratch, 'fake.log'),
        AGENT_ENV_PASSTHROUGH: FAKE_CLAUDE_ENV.join(','),
        RUNNER_EXECUTION: 'host', // the test follows the agent's pids on the host
      },
      name,
    );
    runners.push(process);
    return process;
  };

  it('given stages running on a runner, when it is SIGKILLed and a second runner starts, then each cut attempt times out once, is retried, and every task completes', async () => {
    const first = runner('runner-1');
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(6, 'Runner killed', 'Work [[fake:slow=300]]');
    const tail = new EventTail(client);
    const open = new Map<string, { taskId: string; startedAt: number }>();
    await eventually(
      async () => {
        for (const { event } of await tail.poll()) {
          if (event.type === 'StageStarted') open.set(`${event.data.stageId}:${event.data.attempt}`, { taskId: event.data.taskId, startedAt: Date.parse(event.data.startedAt) });
          if (['StageCompleted', 'StageFailed', 'StageTimedOut', 'StageCancelled'].includes(event.type) && 'stageId' in event.data && 'attempt' in event.data) {
            open.delete(`${event.data.stageId}:${event.data.attempt}`);
          }
        }
        return open.size >= 2 ? true : undefined;
      },
      30_000,
      'two stages running on runner-1',
    );
    const cut = [...open.keys()];
    const agents = await processesUnder(system.workspacesDir);
    const killedAt = Date.now();
    await first.kill('SIGKILL');
    runner('runner-2');
    // the killed runner's agents lead process groups of their own: nobody stops them, they run to their end
    const orphansEndedAt = await eventually(async () => ((await livePids(agents.map((agent) => agent.pid))).length === 0 ? Date.now() : undefined), 60_000, "the killed runner's agents to end");

    const ended = await allTerminal(client, taskIds, 120_000);
    const events = distinctEvents(await readEventLog(client));
    const terminalOf = (key: string) =>
      events.find(({ event }) => ['StageCompleted', 'StageFailed', 'StageTimedOut', 'StageCancelled'].includes(event.type) && 'stageId' in event.data && 'attempt' in event.data && `${event.data.stageId}:${event.data.attempt}` === key);
    const restartOf = (key: string) => {
      const [stageId, attempt] = key.split(':');
      return events.find(({ event }) => event.type === 'StageStarted' && event.data.stageId === stageId && event.data.attempt === Number(attempt) + 1);
    };
    const closed = cut.map((key) => ({ key, terminal: terminalOf(key), restart: restartOf(key) }));
    for (const { terminal, restart } of closed) {
      expect(terminal?.event.type).toBe('StageTimedOut');
      expect(restart?.event.type).toBe('StageStarted');
      if (restart?.event.type === 'StageStarted') expect(restart.event.data.runnerId).toBe('runner-2');
    }

    const report = await checkInvariants({
      client,
      taskIds,
      maxConcurrent: LIMIT,
      readModel: { messaging: system.messaging, databaseUrl: system.database.url },
      processes: { workspacesDir: system.workspacesDir, fakeClaudeLog: path.join(scratch, 'fake.log') },
      settleMs: 20_000,
    });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: taskIds.length });

    const detectMs = closed.map(({ terminal }) => Math.round((terminal?.storedAtMs ?? Number.NaN) - killedAt));
    const recoverMs = closed.map(({ restart }) => Math.round((restart?.storedAtMs ?? Number.NaN) - killedAt));
    await recordFigures('fault-1-runner-sigkill', {
      fault: `runner process SIGKILLed with ${cut.length} stages running on it (fake agent, slow=300); a second runner started at once; heartbeat timeout ${HEARTBEAT_TIMEOUT_S} s, limit ${LIMIT}`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      attemptsCut: cut.length,
      agentProcessesOrphanedByTheKill: agents.length,
      msTheOrphansRanOnAfterTheKill: orphansEndedAt - killedAt,
      msFromKillToStageTimedOut: detectMs,
      msFromKillToAttemptRestarted: recoverMs,
      secondsFromKillToAllTerminal: (ended - killedAt) / 1000,
      msUntilNoProcessLeftAfterAllTerminal: report.processesGoneAfterMs,
      eventsChecked: report.eventsChecked,
      attemptsChecked: report.attemptsChecked,
      maxRunning: report.maxRunning,
      readModelRowsEqualToRebuild: report.readModelRows,
      violations: report.violations.length,
    });
  }, 240_000);
});
