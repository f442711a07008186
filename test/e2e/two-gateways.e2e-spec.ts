import { BoardClient, eventUpdates, stageIs, startTcpBalancer, taskIs, type TcpProxy } from '@app/testing';
import { ApiClient } from '../../libs/testing/src/api-client';
import { startTestSystem, type TestSystem } from '../../test/support/system';

/** Two gateways on the same streams and database behind one address that sends each connection to the next in turn (no sticky sessions). */
describe('two gateways behind one address', () => {
  let system: TestSystem;
  let balancer: TcpProxy;
  const boards: BoardClient[] = [];

  beforeAll(async () => {
    system = await startTestSystem({ gateways: 2 });
    balancer = await startTcpBalancer(system.gatewayUrls.map((url) => ({ host: '127.0.0.1', port: Number(new URL(url).port) })));
  }, 60_000);

  afterAll(async () => {
    for (const board of boards) board.disconnect();
    await balancer?.close();
    await system?.stop();
  }, 60_000);

  it('given a board connected through the balancer to one gateway, when it reconnects mid-run and lands on the other, then it resumes from its last sequence: nothing missed, nothing twice, and both gateways serve the same board', async () => {
    const [first = '', second = ''] = system.gatewayUrls;
    const taskId = await new ApiClient(first).createTask('Seen through two gateways', 'Slow on purpose [[fake:slow=250]]');
    const steady = await BoardClient.connect({ baseUrl: first, board: true, taskIds: [taskId], afterSeq: 0, afterLogSeq: 0 });
    boards.push(steady);
    const roaming = await BoardClient.connect({ baseUrl: balancer.url('http'), board: true, taskIds: [taskId], afterSeq: 0, afterLogSeq: 0 });
    boards.push(roaming);
    expect(balancer.served).toEqual([1, 0]);

    const started = await new ApiClient(second).start(taskId);
    expect(started.status).toBe(202);
    await roaming.waitFor(stageIs(taskId, 'implementation', 'running'), 30_000, 'implementation running');
    roaming.disconnect();
    const seenBeforeLeaving = roaming.received.length;
    await steady.waitFor(stageIs(taskId, 'qa', 'running'), 30_000, 'QA running while the roaming board is away');
    const missed = steady.received.length - seenBeforeLeaving;
    const reply = await roaming.reconnect();
    expect(balancer.served).toEqual([1, 1]);
    await steady.waitFor(taskIs(taskId, 'done'), 30_000, 'the task done (steady)');
    await roaming.waitFor(taskIs(taskId, 'done'), 30_000, 'the task done (roaming, on the other gateway)');
    await Promise.all([steady.settle(1_000, 10_000), roaming.settle(1_000, 10_000)]);

    expect(missed).toBeGreaterThan(0);
    expect(reply).toMatchObject({ ok: true });
    expect(roaming.of('resync')).toEqual([]);
    expect(eventUpdates(roaming.received)).toEqual(eventUpdates(steady.received));
    expect(roaming.of('log')).toEqual(steady.of('log'));
    // both gateways answer the same task and stages from the one read model
    const read = async (baseUrl: string) => {
      const api = new ApiClient(baseUrl);
      return [(await api.request('GET', `/api/tasks/${taskId}`)).body, (await api.request('GET', `/api/orchestrator/stages/${taskId}`)).body];
    };
    const [fromFirst, fromSecond] = [await read(first), await read(second)];
    expect(fromFirst[0]).toMatchObject({ id: taskId, status: 'done' });
    expect(fromSecond).toEqual(fromFirst);
  }, 120_000);
});
