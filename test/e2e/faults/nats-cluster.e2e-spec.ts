import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { connectTestClient } from '../../../libs/testing/src/nats';
import { startPrivateNatsCluster, type PrivateNatsCluster } from '../../../libs/testing/src/private-servers';
import { distinctEvents } from '../../../test/support/invariants';
import { startTestSystem, type TestSystem } from '../../../test/support/system';
import { checkFaultInvariants, checkedFigures, loseEventsLeader, refusalsOf, waitForFirstStageCompleted } from './fault.support';

const LIMIT = 3;
const TASKS = 8;
const DOWN_MS = 6_000;

/**
 * Fault 26: a 3-node NATS cluster (three nats-servers with routes, the test users on each),
 * every stream R3, the four apps given all three URLs. Two nodes are lost in turn, each
 * SIGKILLed and back once the two left have appended an event (after 6 s at least): first the leader of ORCH_EVENTS, then whichever node leads
 * it after that (never the one just back).
 */
describe('fault 26: a 3-node NATS cluster loses a node, the leader included, and gets it back', () => {
  let cluster: PrivateNatsCluster;
  let system: TestSystem;
  let client: NatsClient;

  beforeAll(async () => {
    cluster = await startPrivateNatsCluster(3);
    system = await startTestSystem({ natsUrl: cluster.url, replicas: 3, poolSize: LIMIT, rules: { maxConcurrent: LIMIT }, heartbeatTimeoutS: 10 });
    client = await connectTestClient(system.messaging);
  }, 90_000);

  afterAll(async () => {
    for (const node of cluster?.nodes ?? []) await node.start().catch(() => undefined);
    await client?.close();
    await system?.stop();
    await cluster?.destroy();
  }, 90_000);

  it(`given R3 streams and ${TASKS} tasks in flight, when the stream leader is SIGKILLed and restarted, then another node, every task ends and the invariants hold`, async () => {
    const streams = [client.subjects.eventsStream, client.subjects.commandsStream, client.subjects.heartbeatsStream, client.subjects.logsStream];
    for (const stream of streams) {
      const info = await client.jsm.streams.info(stream);
      expect(info.config.num_replicas).toBe(3);
      expect(info.cluster?.replicas?.length).toBe(2);
    }
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(TASKS, 'Through a cluster', 'Work [[fake:slow=400]]');
    await waitForFirstStageCompleted(client);

    const firstKillAt = Date.now();
    const first = await loseEventsLeader(cluster, client, streams, { downMs: DOWN_MS });
    const losses = [first, await loseEventsLeader(cluster, client, streams, { downMs: DOWN_MS, notNode: first.node })];
    const ended = await allTerminal(client, taskIds, 180_000);

    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: LIMIT, settleMs: 60_000 });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: TASKS });
    const cut = distinctEvents(await readEventLog(client)).filter(({ event }) => event.type === 'StageTimedOut' || event.type === 'StageFailed');
    expect(refusalsOf(cluster)).toEqual([]);

    await recordFigures('fault-26-nats-cluster', {
      fault: `3-node nats-server 2.9 cluster, R3 streams, ${TASKS} tasks (limit ${LIMIT}, fake slow=400); the ORCH_EVENTS leader SIGKILLed for at least ${DOWN_MS / 1000} s (until an event was appended without it) and restarted, then the next leader the same`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      losses,
      // a failover stalls writes for a few seconds: a stage whose heartbeats could not be stored for the heartbeat timeout is timed out and retried
      attemptsCutAndRetried: cut.length,
      secondsFromFirstKillToAllTerminal: (ended - firstKillAt) / 1000,
      ...checkedFigures(report),
    });
  }, 360_000);
});
