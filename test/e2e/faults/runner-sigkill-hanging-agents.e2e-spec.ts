import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { recordFigures } from '../../../libs/testing/src/figures';
import { FAKE_CLAUDE_ENV, FAKE_CLAUDE_PATH } from '../../../libs/testing/src/fixtures';
import { checkInvariants } from '../../../test/support/invariants';
import { livePids, processesUnder } from '../../../libs/testing/src/leftovers';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import { messagingEnv, spawnApp, type AppProcess } from '../../../libs/testing/src/processes';
import { startTestSystem, type TestSystem } from '../../../test/support/system';

const HEARTBEAT_TIMEOUT_S = 3;
const LIMIT = 3;

/** Fault 11: the runner SIGKILLed while its agents hang with children; the next runner to start ends them. */
describe('fault 11: SIGKILL the runner while its agents hang, then start it again', () => {
  let system: TestSystem;
  let client: NatsClient;
  let scratch: string;
  const runners: AppProcess[] = [];

  beforeAll(async () => {
    await buildAppsOnce();
    scratch = await mkdtemp(path.join(tmpdir(), 'orch-fault11-'));
    system = await startTestSystem({ runner: false, heartbeatTimeoutS: HEARTBEAT_TIMEOUT_S, poolSize: LIMIT, rules: { maxConcurrent: LIMIT, maxRetries: 0 } });
    client = await connectTestClient(system.messaging);
  }, 240_000);

  afterAll(async () => {
    for (const runner of runners) await runner.kill('SIGKILL');
    // should the test fail, its hanging agents must not outlive it
    for (const agent of await processesUnder(system.workspacesDir)) {
      try {
        process.kill(agent.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
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

  it('given agents hanging with children (one ignoring SIGTERM) when their runner is SIGKILLed, then the runner started next ends them all and the cut tasks fail by the heartbeat watchdog', async () => {
    const first = runner('runner-1');
    const api = new ApiClient(system.baseUrl);
    const taskIds = [
      ...(await api.createAndStart(2, 'Hangs', 'Hang [[fake:hang-with-child]]')),
      ...(await api.createAndStart(1, 'Hangs stubbornly', 'Hang [[fake:hang-with-child,ignore-sigterm]]')),
    ];
    // every agent and its sleeping child running, each agent recorded
    const agents = await eventually(
      async () => {
        const found = await processesUnder(system.workspacesDir);
        const records = await readdir(path.join(system.workspacesDir, 'agents')).catch(() => []);
        return found.length >= 2 * taskIds.length && records.length === taskIds.length ? found : undefined;
      },
      30_000,
      'three hanging agents with their children on runner-1',
    );

    const killedAt = Date.now();
    await first.kill('SIGKILL');
    // nobody ends them while no runner runs: they lead process groups of their own
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const orphans = await livePids(agents.map((agent) => agent.pid));
    expect(orphans).toHaveLength(agents.length);

    const restartedAt = Date.now();
    runner('runner-2');
    const goneAt = await eventually(async () => ((await livePids(agents.map((agent) => agent.pid))).length === 0 ? Date.now() : undefined), 30_000, "the killed runner's agents to be ended");
    expect(await readdir(path.join(system.workspacesDir, 'agents'))).toEqual([]);

    const ended = await allTerminal(client, taskIds, 60_000);
    const report = await checkInvariants({
      client,
      taskIds,
      maxConcurrent: LIMIT,
      readModel: { messaging: system.messaging, databaseUrl: system.database.url },
      processes: { workspacesDir: system.workspacesDir, fakeClaudeLog: path.join(scratch, 'fake.log') },
    });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationFailed: taskIds.length });

    await recordFigures('fault-11-runner-sigkill-hanging-agents', {
      fault: `runner process SIGKILLed with ${taskIds.length} agents hanging with a child each (one ignoring SIGTERM); a second runner started 1 s later; heartbeat timeout ${HEARTBEAT_TIMEOUT_S} s, no retries`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      processesOrphanedByTheKill: orphans.length,
      msFromRunnerStartToNoAgentLeft: goneAt - restartedAt,
      secondsFromKillToAllTerminal: (ended - killedAt) / 1000,
      eventsChecked: report.eventsChecked,
      attemptsChecked: report.attemptsChecked,
      readModelRowsEqualToRebuild: report.readModelRows,
      violations: report.violations.length,
    });
  }, 240_000);
});
