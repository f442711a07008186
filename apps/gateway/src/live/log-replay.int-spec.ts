import { newMessage, uuidv7, type Envelope } from '@app/contracts';
import { MessagePublisher, type NatsClient } from '@app/messaging';
import { BoardClient } from '../../../../libs/testing/src/board-client';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway';
import { connectTestClient, eventually } from '../../../../libs/testing/src/nats';
import { useSuite } from '../../../../test/support/suite';

const REPLAY_LIMIT = 50;

/** One batch of agent output for a task, as the runner ships it. */
const batch = (taskId: string, index: number) =>
  newMessage(
    'RunOutputLogged',
    taskId,
    { taskId, stageId: uuidv7(), attempt: 1, lines: [{ index, stream: 'stdout', at: new Date().toISOString(), json: null, text: `line ${index} of ${taskId}`, entries: [] }] },
    { producer: 'spec', occurredAt: new Date().toISOString() },
  ) as Envelope<'RunOutputLogged'>;

describe('the socket replay of agent output, streamed', () => {
  let gateway: TestGateway;
  let client: NatsClient;
  let publisher: MessagePublisher;
  let logsPublished = 0;
  const clients: BoardClient[] = [];

  useSuite(async (keep) => {
    gateway = keep(await startTestGateway({ socketReplayLimit: REPLAY_LIMIT }));
    client = keep(await connectTestClient(gateway.messaging));
    publisher = new MessagePublisher(client);
    keep(async () => {
      for (const board of clients) board.disconnect();
    });
  });

  const publish = async (taskId: string, index: number) => {
    await publisher.log(batch(taskId, index));
    logsPublished += 1;
  };
  /** a board that subscribes from the start of the log once the gateway has seen every batch */
  const replayFromStart = async (taskIds: string[]): Promise<BoardClient> => {
    const probe = await BoardClient.connect({ baseUrl: gateway.baseUrl });
    clients.push(probe);
    await eventually(
      async () => {
        const reply = await probe.subscribeRaw({});
        return reply.ok && reply.logSeq >= logsPublished ? true : undefined;
      },
      10_000,
      'the gateway to follow every log batch',
    );
    const board = await BoardClient.connect({ baseUrl: gateway.baseUrl, taskIds, afterLogSeq: 0 });
    clients.push(board);
    return board;
  };

  it('given two tasks whose output interleaves, when a board replays both from the start, then it gets every batch once, in stream order', async () => {
    const [first, second] = [uuidv7(), uuidv7()];
    for (let index = 0; index < 20; index += 1) await publish(index % 3 === 0 ? second : first, index);

    const board = await replayFromStart([first, second]);
    await board.settle(300, 10_000);

    const seqs = board.of('log').map((received) => received.seq);
    expect(seqs).toHaveLength(20);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(board.of('log').map((received) => received.taskId))).toEqual(new Set([first, second]));
    expect(board.of('resync')).toEqual([]);
  }, 30_000);

  it('given more batches of a task than the replay limit, when a board replays it from the start, then it is told to resync after at most the limit', async () => {
    const taskId = uuidv7();
    for (let index = 0; index < REPLAY_LIMIT + 10; index += 1) await publish(taskId, index);

    const board = await replayFromStart([taskId]);
    await board.waitFor((event) => event.name === 'resync', 10_000, 'a resync notice');

    expect(board.of('resync')[0]?.reason).toBe(`more than ${REPLAY_LIMIT} log batches were missed`);
    expect(board.of('log').length).toBeLessThanOrEqual(REPLAY_LIMIT);
  }, 30_000);
});
