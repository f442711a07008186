import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { recordFigures } from '../../../libs/testing/src/figures';
import { startPrivateNats, type PrivateServer } from '../../../libs/testing/src/private-servers';
import { expectRecoveredOnRunnerTwo, recoveryFigures, HostRunners, sixTasksOnRunnerOne, useFaultSystem } from './fault.support';

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
    const { first, taskIds, attempts, agents } = await sixTasksOnRunnerOne(fault, runners, 'Runner killed as NATS stops');

    const cutAt = Date.now();
    await Promise.all([first.kill('SIGKILL'), nats.stop('SIGTERM')]);
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    await nats.start();
    const backAt = Date.now();
    const recovered = await expectRecoveredOnRunnerTwo(fault, runners, { taskIds, attempts, agents }, LIMIT);

    await recordFigures('fault-15-nats-restart-during-runner-kill', {
      fault: `runner process SIGKILLed and nats-server stopped (SIGTERM) at once with ${recovered.attemptsCut.length} stages running on the runner (fake slow=600); both back after ${OUTAGE_MS / 1000} s (runner-2); heartbeat timeout ${HEARTBEAT_TIMEOUT_S} s, limit ${LIMIT}`,
      ...recoveryFigures({ taskIds, agents }, recovered, { cutAt, backAt }),
    });
  }, 240_000);
});
