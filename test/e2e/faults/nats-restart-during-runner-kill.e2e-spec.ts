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
import { startPrivateNats, type PrivateServer } from '../../../libs/testing/src/private-servers';
import { messagingEnv, spawnApp, type AppProcess } from '../../../libs/testing/src/processes';
import { startTestSystem, type TestSystem } from '../../../test/support/system';

const HEARTBEAT_TIMEOUT_S = 3;
const OUTAGE_MS = 4_000;
const LIMIT = 3;

/** Fault 15: combined — the runner SIGKILLed with agents running, and NATS stopped at the same moment; both back 4 s later. */
describe('fault 15: a NATS restart during a runner kill', () => {
  let nats: PrivateServer;
  let system: TestSystem;
  let client: NatsClient;
  let scratch: string;
  const runners: AppProcess[] = [];

  beforeAll(async () => {
    await buildAppsOnce();
    scratch = await mkdtemp(path.join(tmpdir(), 'orch-fault15-'));
    nats = await startPrivateNats();
    system = await startTestSystem({ natsUrl: nats.url, runner: false, heartbeatTimeoutS: HEARTBEAT_TIMEOUT_S, poolSize: LIMIT, rules: { maxConcurrent: LIMIT } });
    client = await connectTestClient(system.messaging);
  }, 240_000);

  afterAll(async () => {
    for (const runner of runners) await runner.kill('SIGKILL');
    for (const agent of await processesUnder(system.workspacesDir)) {
      try {
        process.kill(agent.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await nats?.start().catch(() => undefined);
    await client?.close();
    await system?.stop();
    await nats?.destroy();
    await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  const runner = (name: string) => {
    const process = spawnApp(
      'runner',
      {
        ...messagingEnv(system.messaging, 'runner'),
        RUNNER_ID: name,
        CLAUDE_CLI_PATH: FAKE_CLAUDE_PATH,
        AGENT_ENV_PASSTHROUGH: FAKE_CLAUDE_ENV.join(','),
        RUNNER_EXECUTION: 'host', // the test follows the agent's pids on the host (a sandboxed agent dies with its runner: bwrap --die-with-parent)
        CLAUDE_API_KEY: 'sk-ant-test-key',
        WORKSPACES_DIR: system.workspacesDir,
        RUNNER_HEARTBEAT_MS: '500',
        RUNNER_LOG_BATCH_MS: '50',
        RUNNER_KILL_GRACE_MS: '1000',
        FAKE_CLAUDE_LOG: path.join(scratch, 'fake.log'),
      },
      name,
    );
    runners.push(process);
    return process;
  };

  it('given stages running on a runner, when it is SIGKILLed as NATS stops, and both come back, then no agent is left, each cut attempt times out once and is retried, and every task completes', async () => {
    const first = runner('runner-1');
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(6, 'Runner killed as NATS stops', 'Work [[fake:slow=600]]');
    const tail = new EventTail(client);
    const open = new Set<string>();
    const agents = await eventually(
      async () => {
        for (const { event } of await tail.poll()) {
          if (event.type === 'StageStarted') open.add(`${event.data.stageId}:${event.data.attempt}`);
          if (['StageCompleted', 'StageFailed', 'StageTimedOut', 'StageCancelled'].includes(event.type) && 'stageId' in event.data && 'attempt' in event.data) open.delete(`${event.data.stageId}:${event.data.attempt}`);
        }
        if (open.size < 2) return undefined;
        const found = await processesUnder(system.workspacesDir);
        return found.length >= 2 ? found : undefined;
      },
      30_000,
      'two stages running on runner-1, their agents started',
    );

    const cutAt = Date.now();
    await Promise.all([first.kill('SIGKILL'), nats.stop('SIGTERM')]);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await nats.start();
    const backAt = Date.now();
    runner('runner-2');
    const agentsGoneAt = await eventually(async () => ((await livePids(agents.map((agent) => agent.pid))).length === 0 ? Date.now() : undefined), 60_000, "runner-1's agents to be ended");

    const ended = await allTerminal(client, taskIds, 120_000);
    const report = await checkInvariants({
      client,
      taskIds,
      maxConcurrent: LIMIT,
      readModel: { messaging: system.messaging, databaseUrl: system.database.url },
      processes: { workspacesDir: system.workspacesDir, fakeClaudeLog: path.join(scratch, 'fake.log') },
      settleMs: 30_000,
    });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: taskIds.length });

    const events = distinctEvents(await readEventLog(client));
    const terminalOf = (key: string) =>
      events.filter(({ event }) => ['StageCompleted', 'StageFailed', 'StageTimedOut', 'StageCancelled'].includes(event.type) && 'stageId' in event.data && 'attempt' in event.data && `${event.data.stageId}:${event.data.attempt}` === key);
    const cut = [...open];
    for (const key of cut) expect(terminalOf(key)).toHaveLength(1);

    await recordFigures('fault-15-nats-restart-during-runner-kill', {
      fault: `runner process SIGKILLed and nats-server stopped (SIGTERM) at once with ${cut.length} stages running on the runner (fake slow=600); both back after ${OUTAGE_MS / 1000} s (runner-2); heartbeat timeout ${HEARTBEAT_TIMEOUT_S} s, limit ${LIMIT}`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      attemptsCut: cut.length,
      cutAttemptsEnded: cut.map((key) => terminalOf(key).map(({ event }) => event.type)[0] ?? null),
      agentProcessesOrphaned: agents.length,
      msFromBackToAgentsEnded: agentsGoneAt - backAt,
      secondsFromCutToAllTerminal: (ended - cutAt) / 1000,
      eventsChecked: report.eventsChecked,
      attemptsChecked: report.attemptsChecked,
      maxRunning: report.maxRunning,
      readModelRowsEqualToRebuild: report.readModelRows,
      violations: report.violations.length,
    });
  }, 240_000);
});
