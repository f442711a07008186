import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { eventually } from '../../../libs/testing/src/nats';
import { freePort, startPrivateNatsCluster, type PrivateNatsCluster } from '../../../libs/testing/src/private-servers';
import { startTcpBalancer, type TcpProxy } from '../../../libs/testing/src/tcp-proxy';
import { distinctEvents } from '../../../test/support/invariants';
import { startProcessSystem, type ProcessSystem } from '../../../test/support/process-system';
import { checkFaultInvariants, checkedFigures, loseEventsLeader, refusalsOf, waitForStagesRunning } from './fault.support';

const TASKS = 20;
const LIMIT = 4;
const DOWN_MS = 6_000;
const HEARTBEAT_TIMEOUT_S = 30;

/**
 * Fault 27 (issue 20's fault test, without the hosts: see RELIABILITY.md): a 3-node NATS
 * cluster with R3 streams; two orchestrators, two runners, two gateways behind one address,
 * one pool-manager, all as processes on this machine; 20 tasks. The ORCH_EVENTS leader is
 * SIGKILLed mid-run and restarted, then one orchestrator is SIGKILLed.
 */
describe('fault 27: a NATS cluster with two of every app loses its stream leader and an orchestrator', () => {
  let cluster: PrivateNatsCluster;
  let system: ProcessSystem;
  let balancer: TcpProxy;

  beforeAll(async () => {
    await buildAppsOnce();
    cluster = await startPrivateNatsCluster(3);
    system = await startProcessSystem({
      natsUrl: cluster.url,
      replicas: 3,
      limit: LIMIT,
      appEnv: {
        orchestrator: { ORCHESTRATOR_HEARTBEAT_TIMEOUT_S: String(HEARTBEAT_TIMEOUT_S), ORCHESTRATOR_REDRIVE_S: '3' },
        runner: { RUNNER_HEARTBEAT_MS: '1000' },
      },
    });
    system.start('orchestrator', {}, 'orchestrator-2');
    system.start('runner', { RUNNER_ID: 'runner-2' }, 'runner-2');
    const secondPort = await freePort();
    system.start('gateway', { PORT: String(secondPort) }, 'gateway-2');
    const second = `http://127.0.0.1:${secondPort}`;
    await eventually(async () => ((await fetch(`${second}/health`).catch(() => null))?.ok ? true : undefined), 60_000, 'the second gateway to answer /health');
    balancer = await startTcpBalancer([system.baseUrl, second].map((url) => ({ host: '127.0.0.1', port: Number(new URL(url).port) })));
  }, 300_000);

  afterAll(async () => {
    for (const node of cluster?.nodes ?? []) await node.start().catch(() => undefined);
    await balancer?.close();
    await system?.stop();
    await cluster?.destroy();
  }, 120_000);

  it(`given ${TASKS} tasks through the balancer, when the stream leader is SIGKILLed and restarted and then an orchestrator is SIGKILLed, then every task completes and the invariants hold`, async () => {
    const { client } = system;
    const streams = [client.subjects.eventsStream, client.subjects.commandsStream, client.subjects.heartbeatsStream, client.subjects.logsStream];
    const api = new ApiClient(balancer.url('http'));
    const startedAt = Date.now();
    const taskIds = await api.createAndStart(TASKS, 'Two of every app', 'Work [[fake:slow=300]]');
    await waitForStagesRunning(client, LIMIT);

    const loss = await loseEventsLeader(cluster, client, streams, { downMs: DOWN_MS });
    const orchestrator = system.apps.get('orchestrator');
    if (orchestrator === undefined) throw new Error('no orchestrator process');
    await orchestrator.kill('SIGKILL');
    const orchestratorKilledAt = Date.now();
    const ended = await allTerminal(client, taskIds, 300_000);

    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: LIMIT, settleMs: 60_000 });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: TASKS });
    expect(refusalsOf(cluster)).toEqual([]);
    const events = distinctEvents(await readEventLog(client));
    const producers = (prefix: string) => new Set(events.map(({ event }) => event.producer).filter((producer) => producer.startsWith(prefix))).size;
    // both of each app did work: the runners started stages, the orchestrators appended, the balancer sent requests to both gateways
    expect(producers('orchestrator@')).toBe(2);
    expect(new Set(events.flatMap(({ event }) => (event.type === 'StageStarted' ? [event.producer] : []))).size).toBe(2);
    expect(balancer.served.every((connections) => connections > 0)).toBe(true);
    const cut = events.filter(({ event }) => event.type === 'StageTimedOut' || event.type === 'StageFailed');

    await recordFigures('fault-27-cluster-two-of-every-app', {
      fault: `3-node nats-server 2.9 cluster, R3 streams; 2 orchestrators, 2 runners, 2 gateways behind a round-robin balancer, 1 pool-manager, as processes; ${TASKS} tasks (limit ${LIMIT}, fake slow=300); the ORCH_EVENTS leader SIGKILLed for at least ${DOWN_MS / 1000} s and restarted, then an orchestrator SIGKILLed`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      loss,
      attemptsCutAndRetried: cut.length,
      balancerConnections: [...balancer.served],
      secondsFromOrchestratorKillToAllTerminal: (ended - orchestratorKilledAt) / 1000,
      secondsFromFirstStartToAllTerminal: (ended - startedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 600_000);
});
