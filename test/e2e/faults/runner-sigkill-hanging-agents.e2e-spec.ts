import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { recordFigures } from '../../../libs/testing/src/figures';
import { livePids, processesUnder } from '../../../libs/testing/src/leftovers';
import { eventually } from '../../../libs/testing/src/nats';
import { checkFaultInvariants, checkedFigures, HostRunners, useFaultSystem } from './fault.support';

const HEARTBEAT_TIMEOUT_S = 3;
const LIMIT = 3;

/** Fault 11: the runner SIGKILLed while its agents hang with children; the next runner to start ends them. */
describe('fault 11: SIGKILL the runner while its agents hang, then start it again', () => {
  // before the system stops, its runners go and, should the test fail, its hanging agents: they must not outlive it
  const fault = useFaultSystem('orch-fault11-', () => ({ runner: false, heartbeatTimeoutS: HEARTBEAT_TIMEOUT_S, poolSize: LIMIT, rules: { maxConcurrent: LIMIT, maxRetries: 0 } }), { before: buildAppsOnce, beforeStop: () => runners.stop(), startTimeoutMs: 240_000 });
  const runners = new HostRunners(fault);

  it('given agents hanging with children (one ignoring SIGTERM) when their runner is SIGKILLed, then the runner started next ends them all and the cut tasks fail by the heartbeat watchdog', async () => {
    const { system, client, scratch } = fault;
    const first = runners.start('runner-1');
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
    runners.start('runner-2');
    const goneAt = await eventually(async () => ((await livePids(agents.map((agent) => agent.pid))).length === 0 ? Date.now() : undefined), 30_000, "the killed runner's agents to be ended");
    expect(await readdir(path.join(system.workspacesDir, 'agents'))).toEqual([]);

    const ended = await allTerminal(client, taskIds, 60_000);
    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: LIMIT, fakeClaudeLog: path.join(scratch, 'fake.log') });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationFailed: taskIds.length });

    await recordFigures('fault-11-runner-sigkill-hanging-agents', {
      fault: `runner process SIGKILLed with ${taskIds.length} agents hanging with a child each (one ignoring SIGTERM); a second runner started 1 s later; heartbeat timeout ${HEARTBEAT_TIMEOUT_S} s, no retries`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      processesOrphanedByTheKill: orphans.length,
      msFromRunnerStartToNoAgentLeft: goneAt - restartedAt,
      secondsFromKillToAllTerminal: (ended - killedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 240_000);
});
