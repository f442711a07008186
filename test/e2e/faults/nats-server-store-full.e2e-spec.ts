import type { NatsClient } from '@app/messaging';
import { ApiClient } from '../../../libs/testing/src/api-client';
import { probeApi, type ApiProbe } from '../../../libs/testing/src/api-probe';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import { startPrivateNats, type PrivateNatsServer } from '../../../libs/testing/src/private-servers';
import { startTestSystem, type TestSystem } from '../../../test/support/system';
import { checkedFigures, waitForFirstStageCompleted, lastEventSeq, expectAllCompleted, storeFullSystem } from './fault.support';
import { useSuite } from '../../support/suite';

const MIB = 1024 ** 2;
/** the private server's whole JetStream store: the streams' byte limits (32 MiB reserved) fit, the filler takes the rest */
const MAX_FILE_STORE = 96 * MIB;
const FULL_MS = 10_000;
const LIMIT = 3;
const STAGE_TIMEOUT_S = 8;
const PROBE_TITLE = 'Probe while the NATS store is full';

/**
 * Fault 16: the NATS server's JetStream store itself full (not a stream limit: the
 * server's `max_file_store` reached by a filler stream) for 10 s mid-run, then freed by
 * deleting the filler.
 */
describe('fault 16: the NATS server store full for 10 s', () => {
  let nats: PrivateNatsServer;
  let system: TestSystem;
  let client: NatsClient;
  let probe: ApiProbe | undefined;
  let fillerStream = '';

  useSuite(async (keep) => {
    nats = await startPrivateNats({ maxFileStore: MAX_FILE_STORE });
    keep(() => nats?.destroy());
    system = keep(await startTestSystem({
      ...storeFullSystem(LIMIT, STAGE_TIMEOUT_S),
      natsUrl: nats.url,
      streamBytes: { logsMaxBytes: 16 * MIB, heartbeatsMaxBytes: 4 * MIB, snapshotsMaxBytes: 4 * MIB, deadLettersMaxBytes: 8 * MIB },
    }));
    client = keep(await connectTestClient(system.messaging));
    fillerStream = `${client.subjects.eventsStream}_FILLER`;
    // the apps cannot shut down cleanly on a full store
    keep(() => client?.jsm.streams.delete(fillerStream).catch(() => false));
    keep(() => probe?.stop());
  });

  it('given tasks in flight, when the server store is full for 10 s, then writes answer 503 naming NATS, appends are retried, and once space returns every task ends and nothing is lost', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(6, 'Through a full server store', 'Work [[fake:slow=200]]');
    const lateTask = await api.createTask('Started while the store is full', 'Work [[fake:slow=10]]');
    await waitForFirstStageCompleted(client);

    // the filler stream takes the store: 256 KiB messages until JetStream refuses one
    const fillerSubject = `${client.subjects.root}.filler`;
    await client.jsm.streams.add({ name: fillerStream, subjects: [`${fillerSubject}.>`] });
    const chunk = new Uint8Array(256 * 1024);
    let refused: string | null = null;
    for (let filler = 0; refused === null && filler < 2 * (MAX_FILE_STORE / chunk.length); filler += 1) {
      refused = await client.js.publish(`${fillerSubject}.${filler}`, chunk).then(
        () => null,
        (error: unknown) => (error as Error).message,
      );
    }
    expect(refused).toMatch(/insufficient resources/i);
    const fullAt = Date.now();
    const lastSeqAtFull = await lastEventSeq(client);

    // kept full: whatever an ack frees in the work queue, a one-byte filler takes back
    let keepFull = true;
    let fillersTakenBack = 0;
    const keeper = (async () => {
      for (let n = 0; keepFull; n += 1) {
        await client.js.publish(`${fillerSubject}.keep.${n}`, 'x').then(
          () => (fillersTakenBack += 1),
          () => undefined,
        );
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    const running = probeApi(system.baseUrl, [
      '/health',
      '/api/tasks',
      { method: 'POST', route: '/api/tasks', body: { title: PROBE_TITLE, description: 'never started' } },
      { method: 'POST', route: '/api/orchestrator/start', body: { taskId: lateTask } },
    ]);
    probe = running;
    await new Promise((resolve) => setTimeout(resolve, FULL_MS));
    const during = await running.stop('nats');
    probe = undefined;
    keepFull = false;
    await keeper;
    await client.jsm.streams.delete(fillerStream);
    const freedAt = Date.now();

    // the API: a create and a start answered 503 naming NATS and its store, never a 5xx other than that, and a refused create stored nothing
    expect(during.serverErrors).toEqual([]);
    expect(during.byRoute['POST /api/tasks']?.['503']).toBeGreaterThan(0);
    expect(during.byRoute['POST /api/orchestrator/start']?.['503']).toBeGreaterThan(0);
    expect(during.allUnavailableNamed).toBe(true);
    expect(during.unavailableBodies.some((body) => body.includes('store full'))).toBe(true);
    const createsStored = (await readEventLog(client, client.subjects.allTasks)).filter(({ event }) => event.type === 'TaskCreated' && event.data.title === PROBE_TITLE).length;
    expect(createsStored).toBe(during.byRoute['POST /api/tasks']?.['201'] ?? 0);

    // resumed: a start is taken again, and it and every task in flight end
    await eventually(async () => ((await api.start(lateTask)).status === 202 ? true : undefined), 30_000, 'a start to be taken after the store was freed');
    const startAnsweredAfterMs = Date.now() - freedAt;
    const allTaskIds = [...taskIds, lateTask];
    const { ended, report } = await expectAllCompleted(client, system, allTaskIds, 120_000, { maxConcurrent: LIMIT });
    expect((await client.jsm.streams.info(client.subjects.eventsStream)).state.first_seq).toBe(1); // nothing removed

    // the attempts the full store cut (their outcome could not be stored before their deadline) were closed and retried
    const events = distinctEvents(await readEventLog(client));
    const after = events.filter(({ seq }) => seq > lastSeqAtFull);
    const cut = after.flatMap(({ event }) => (event.type === 'StageTimedOut' || event.type === 'StageFailed' ? [event.data.reason] : []));
    const firstAfter = after[0];
    await recordFigures('fault-16-nats-server-store-full', {
      fault: `private nats-server with max_file_store ${MAX_FILE_STORE / MIB} MiB filled by a filler stream for ${FULL_MS / 1000} s (kept full), then the filler deleted; 6 tasks in flight, limit ${LIMIT}, stage timeout ${STAGE_TIMEOUT_S} s, re-drive every 1 s`,
      tasks: allTaskIds.length,
      outcomes: report.outcomes,
      appendRefused: refused,
      eventsStoredWhileFull: after.filter(({ storedAtMs }) => storedAtMs < freedAt).length,
      fillersTakenBackWhileFull: fillersTakenBack,
      apiWhileFull: during.byStatus,
      apiWhileFullByRoute: during.byRoute,
      apiSlowestAnswerMs: during.slowestMs,
      unavailableBody: during.unavailableBodies.find((body) => body.includes('store full')) ?? null,
      msFromFreedToFirstNewEvent: firstAfter === undefined ? null : Math.round(firstAfter.storedAtMs - freedAt),
      msFromFreedToStartTaken: startAnsweredAfterMs,
      attemptsCut: cut.length,
      attemptsCutReasons: [...new Set(cut.map((reason) => reason ?? '(none)'))],
      secondsFromFullToAllTerminal: (ended - fullAt) / 1000,
      secondsFromFreedToAllTerminal: (ended - freedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 240_000);
});
