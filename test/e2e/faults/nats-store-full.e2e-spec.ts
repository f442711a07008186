import type { NatsClient } from '@app/messaging';
import { ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { connectTestClient } from '../../../libs/testing/src/nats';
import { startTestSystem, type TestSystem } from '../../../test/support/system';
import { checkedFigures, waitForFirstStageCompleted, expectAllCompleted, storeFullSystem } from './fault.support';
import { useSuite } from '../../support/suite';

const FULL_MS = 10_000;
const LIMIT = 3;
const STAGE_TIMEOUT_S = 8;

/** Fault 13: the event log full (its JetStream limit reached: every append refused) for 10 s mid-run, then freed. */
describe('fault 13: the NATS store full for 10 s', () => {
  let system: TestSystem;
  let client: NatsClient;
  /** set while the store is full: the apps could not shut down cleanly on a full log */
  let restoreLimit: (() => Promise<void>) | null = null;

  useSuite(async (keep) => {
    system = keep(await startTestSystem(storeFullSystem(LIMIT, STAGE_TIMEOUT_S)));
    client = keep(await connectTestClient(system.messaging));
    keep(() => restoreLimit?.());
  });

  it('given tasks in flight, when ORCH_EVENTS refuses every append for 10 s, then once space returns every task ends and nothing is lost or doubled', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(6, 'Through a full store', 'Work [[fake:slow=200]]');
    await waitForFirstStageCompleted(client);

    // the log is filled: room for 50 more messages, then filler messages until JetStream refuses one (discard: new)
    const stream = client.subjects.eventsStream;
    const { config, state } = await client.jsm.streams.info(stream);
    restoreLimit = () => client.jsm.streams.update(stream, { ...config, max_msgs: config.max_msgs }).then(() => undefined);
    await client.jsm.streams.update(stream, { ...config, max_msgs: state.messages + 50 });
    let refused: string | null = null;
    for (let filler = 0; refused === null && filler < 1_000; filler += 1) {
      refused = await client.js.publish(`${client.subjects.root}.evt.filler.${filler}`, 'x').then(
        () => null,
        (error: unknown) => (error as Error).message,
      );
    }
    const fullAt = Date.now();
    expect(refused).toMatch(/maximum messages/i);
    const lastSeqAtFull = (await client.jsm.streams.info(stream)).state.last_seq;
    await new Promise((resolve) => setTimeout(resolve, FULL_MS));
    const whileFull = (await client.jsm.streams.info(stream)).state;
    expect([whileFull.first_seq, whileFull.last_seq]).toEqual([state.first_seq, lastSeqAtFull]); // nothing stored meanwhile, nothing removed
    await restoreLimit();
    restoreLimit = null;
    const freedAt = Date.now();

    const { ended, report } = await expectAllCompleted(client, system, taskIds, 120_000, { maxConcurrent: LIMIT });

    const events = distinctEvents(await readEventLog(client));
    const firstAfter = events.find(({ seq }) => seq > lastSeqAtFull);
    const cut = events.filter(({ event }) => event.type === 'StageTimedOut' || event.type === 'StageFailed').length;
    await recordFigures('fault-13-nats-store-full', {
      fault: `ORCH_EVENTS filled to its max_msgs for ${FULL_MS / 1000} s (every append refused) with 6 tasks in flight, limit ${LIMIT}, stage timeout ${STAGE_TIMEOUT_S} s, re-drive every 1 s`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      appendRefused: refused,
      msFromFreedToFirstNewEvent: firstAfter === undefined ? null : Math.round(firstAfter.storedAtMs - freedAt),
      attemptsTimedOutOrFailed: cut,
      secondsFromFullToAllTerminal: (ended - fullAt) / 1000,
      secondsFromFreedToAllTerminal: (ended - freedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 200_000);
});
