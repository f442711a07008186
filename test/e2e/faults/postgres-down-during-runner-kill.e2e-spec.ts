import { probeApi, type ApiProbe } from '../../../libs/testing/src/api-probe';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { startPrivatePostgres, type PrivatePostgres } from '../../../libs/testing/src/private-servers';
import { expectRecoveredOnRunnerTwo, recoveryFigures, expectUnavailableNamed, HostRunners, sixTasksOnRunnerOne, useFaultSystem, waitUntil } from './fault.support';

const HEARTBEAT_TIMEOUT_S = 3;
const OUTAGE_MS = 5_000;
const LIMIT = 3;

/** Fault 18: combined — the runner SIGKILLed with agents running, and Postgres crashed at the same moment; both back 5 s later. */
describe('fault 18: Postgres down while the runner is killed', () => {
  let postgres: PrivatePostgres;
  let probe: ApiProbe | undefined;
  const fault = useFaultSystem('orch-fault18-', () => ({ databaseAdminUrl: postgres.adminUrl, runner: false, heartbeatTimeoutS: HEARTBEAT_TIMEOUT_S, poolSize: LIMIT, rules: { maxConcurrent: LIMIT } }), {
    before: async () => {
      await buildAppsOnce();
      postgres = await startPrivatePostgres();
    },
    beforeStop: async () => {
      await runners.stop();
      await probe?.stop();
      await postgres?.start().catch(() => undefined);
    },
    afterStop: () => postgres?.destroy(),
    startTimeoutMs: 240_000,
  });
  const runners = new HostRunners(fault);

  it('given stages running on a runner, when it is SIGKILLed as Postgres crashes, and both come back, then the API answers 503 naming Postgres meanwhile, no agent is left, each cut attempt times out once and is retried, and every task completes', async () => {
    const { system, client } = fault;
    const { first, taskIds, attempts, agents } = await sixTasksOnRunnerOne(fault, runners, 'Runner killed as Postgres crashes');

    const cutAt = Date.now();
    await Promise.all([first.kill('SIGKILL'), postgres.stop('SIGKILL')]);
    const running = probeApi(system.baseUrl, ['/health', '/api/tasks', `/api/tasks/${taskIds[0]}`, '/api/orchestrator/queue']);
    probe = running;
    await waitUntil(cutAt, OUTAGE_MS);
    const outage = await running.stop('postgres');
    probe = undefined;
    await postgres.start();
    const backAt = Date.now();
    expectUnavailableNamed(outage);
    const eventsDuringOutage = (await readEventLog(client)).filter(({ storedAtMs }) => storedAtMs >= cutAt && storedAtMs < backAt).length;
    const recovered = await expectRecoveredOnRunnerTwo(fault, runners, { taskIds, attempts, agents }, LIMIT);

    await recordFigures('fault-18-postgres-down-during-runner-kill', {
      fault: `runner process SIGKILLed and Postgres crashed (pg_ctl stop -m immediate) at once with ${recovered.attemptsCut.length} stages running on the runner (fake slow=600); both back after ${OUTAGE_MS / 1000} s (runner-2); heartbeat timeout ${HEARTBEAT_TIMEOUT_S} s, limit ${LIMIT}`,
      apiDuringOutage: outage.byStatus,
      apiSlowestAnswerMs: outage.slowestMs,
      eventsAppendedDuringOutage: eventsDuringOutage,
      ...recoveryFigures({ taskIds, agents }, recovered, { cutAt, backAt }),
    });
  }, 240_000);
});
