import path from 'node:path';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { livePids } from '../../../libs/testing/src/leftovers';
import { eventually } from '../../../libs/testing/src/nats';
import { startPrivateNats, type PrivateServer } from '../../../libs/testing/src/private-servers';
import { checkFaultInvariants, checkedFigures, endedAttempt, HostRunners, useFaultSystem, twoAttemptsRunning } from './fault.support';

const HEARTBEAT_TIMEOUT_S = 3;
const OUTAGE_MS = 4_000;
const LIMIT = 3;

/** Fault 15: combined — the runner SIGKILLed with agents running, and NATS stopped at the same moment; both back 4 s later. */
describe('fault 15: a NATS restart during a runner kill', () => {
  let nats: PrivateServer;
  const fault = useFaultSystem('orch-fault15-', () => ({ natsUrl: nats.url, runner: false, heartbeatTimeoutS: HEARTBEAT_TIMEOUT_S, poolSize: LIMIT, rules: { maxConcurrent: LIMIT } }), {
    before: async () => {
      await buildAppsOnce();
      nats = await startPrivateNats();
    },
    beforeStop: async () => {
      await runners.stop();
      await nats?.start().catch(() => undefined);
    },
    afterStop: () => nats?.destroy(),
    startTimeoutMs: 240_000,
  });
  const runners = new HostRunners(fault);

  it('given stages running on a runner, when it is SIGKILLed as NATS stops, and both come back, then no agent is left, each cut attempt times out once and is retried, and every task completes', async () => {
    const { system, client, scratch } = fault;
    const first = runners.start('runner-1');
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(6, 'Runner killed as NATS stops', 'Work [[fake:slow=600]]');
    const { attempts: open, agents } = await twoAttemptsRunning(client, system.workspacesDir, 'runner-1');

    const cutAt = Date.now();
    await Promise.all([first.kill('SIGKILL'), nats.stop('SIGTERM')]);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await nats.start();
    const backAt = Date.now();
    runners.start('runner-2');
    const agentsGoneAt = await eventually(async () => ((await livePids(agents.map((agent) => agent.pid))).length === 0 ? Date.now() : undefined), 60_000, "runner-1's agents to be ended");

    const ended = await allTerminal(client, taskIds, 120_000);
    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: LIMIT, fakeClaudeLog: path.join(scratch, 'fake.log'), settleMs: 30_000 });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: taskIds.length });

    const events = distinctEvents(await readEventLog(client));
    const terminalOf = (key: string) => events.filter(({ event }) => endedAttempt(event) === key);
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
      maxRunning: report.maxRunning,
      ...checkedFigures(report),
    });
  }, 240_000);
});
