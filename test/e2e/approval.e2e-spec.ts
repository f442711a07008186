import { connectTestClient, eventually, readEventLog, type LoggedEvent } from '@app/testing';
import { isSchedulerEvent, type OrchEvent, type WaitingFor } from '@app/contracts';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../libs/testing/src/api-client';
import { startTestSystem, type TestSystem } from '../../test/support/system';

interface Task {
  id: string;
  status: string;
  waitingFor: Extract<WaitingFor, { kind: 'approval' }> | null;
  queuePosition: number | null;
  decisions: Array<{ decision: string; by: string; gate: string; revision: string }>;
}

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-9876543210';

/** Approval gates and follow-ups through the four apps: one slot, one container, the fake agent. */
describe('approval gates and follow-ups (the four apps, ORCHESTRATOR_MAX_CONCURRENT=1, one pool slot)', () => {
  let system: TestSystem;
  let client: NatsClient;
  let alice: ApiClient;
  let bob: ApiClient;

  beforeAll(async () => {
    system = await startTestSystem({
      poolSize: 1,
      rules: { maxConcurrent: 1, maxRework: 1 },
      gateway: { apiTokens: [{ name: 'alice', token: ALICE }, { name: 'bob', token: BOB }] },
    });
    client = await connectTestClient(system.messaging);
    alice = new ApiClient(system.baseUrl, ALICE);
    bob = new ApiClient(system.baseUrl, BOB);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await system?.stop();
  }, 60_000);

  const task = async (id: string) => (await alice.request<Task>('GET', `/api/tasks/${id}`)).body;
  const history = async (taskId: string): Promise<OrchEvent[]> => (await readEventLog(client, client.subjects.task(taskId))).map(({ event }) => event);
  const ofType = <T extends OrchEvent['type']>(events: OrchEvent[], type: T) => events.filter((event): event is Extract<OrchEvent, { type: T }> => event.type === type);

  it('given a task under approve-spec waiting for approval, then it holds no slot and no lease: another queued task runs to done; approved (by the token named bob), it queues again and completes', async () => {
    // given a gated task started first, and a second one queued behind it (one slot)
    const gated = await alice.createTask('Gated', 'Write the spec [[fake:slow=20]]', { approvalPolicy: 'approve-spec' });
    const other = await alice.createTask('Other', 'Work');
    expect((await alice.start(gated)).status).toBe(202);
    expect((await alice.start(other)).body).toMatchObject({ status: 'queued', position: 1 });

    // when the gated task's specification is done, then it waits and the other one runs to done meanwhile
    const waiting = await eventually(async () => {
      const current = await task(gated);
      return current.status === 'waiting' ? current : undefined;
    }, 30_000, 'the gated task to wait for approval');
    expect(waiting.waitingFor).toEqual({ kind: 'approval', gate: 'spec', revision: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await allTerminal(client, [other], 60_000);
    await eventually(async () => ((await task(other)).status === 'done' ? true : undefined), 10_000, 'the read model to show the other task done');
    expect((await task(gated)).status).toBe('waiting');
    const column = await alice.request<{ items: Task[] }>('GET', '/api/tasks?column=waiting');
    expect(column.body.items.map((item) => item.id)).toEqual([gated]);
    expect((await alice.request<{ columns: Record<string, number> }>('GET', '/api/tasks/columns')).body.columns).toMatchObject({ waiting: 1, done: 1 });

    // a decision on another revision is refused, naming the field
    const stale = await alice.request('POST', `/api/tasks/${gated}/decisions`, { decision: 'approve', revision: 'f'.repeat(64) });
    expect(stale.status).toBe(409);
    expect(stale.body).toMatchObject({ message: expect.stringContaining('is not the one task'), fields: [expect.objectContaining({ field: 'revision' })] });
    const unnamed = await alice.request('POST', `/api/tasks/${gated}/decisions`, { decision: 'request-changes', revision: waiting.waitingFor?.revision });
    expect(unnamed.status).toBe(400);
    expect(unnamed.body).toMatchObject({ fields: [expect.objectContaining({ field: 'comments' })] });

    // when bob approves the revision it waits on
    const approved = await bob.request('POST', `/api/tasks/${gated}/decisions`, { decision: 'approve', revision: waiting.waitingFor?.revision });
    expect(approved).toEqual({ status: 202, body: { taskId: gated, decision: 'approve', by: 'bob', status: expect.stringMatching(/^(recorded|pending)$/) } });

    // then it runs implementation and QA and completes, the decision kept with bob's name
    await eventually(async () => ((await task(gated)).status === 'done' ? true : undefined), 60_000, 'the approved task to complete');
    expect((await task(gated)).decisions).toEqual([expect.objectContaining({ decision: 'approve', by: 'bob', gate: 'spec', revision: waiting.waitingFor?.revision })]);

    // the admission log: the gated task gave its slot up while waiting, the other took it, the gated one came back after it
    const scheduler = (await readEventLog(client, client.subjects.scheduler)).map(({ event }) => event).filter(isSchedulerEvent);
    const admissions = scheduler
      .filter((event) => event.type === 'OrchestrationAdmitted' || event.type === 'OrchestrationReleased')
      .map((event) => `${event.type}:${event.data.taskId === gated ? 'gated' : 'other'}${event.type === 'OrchestrationReleased' ? `:${event.data.outcome}` : ''}`);
    expect(admissions).toEqual([
      'OrchestrationAdmitted:gated',
      'OrchestrationReleased:gated:waiting',
      'OrchestrationAdmitted:other',
      'OrchestrationReleased:other:completed',
      'OrchestrationAdmitted:gated',
      'OrchestrationReleased:gated:completed',
    ]);
    // and its container: the spec's lease was released before the other task's lease was granted on the one slot
    const pool = await readEventLog(client, client.subjects.allPools);
    const seqOf = (match: (logged: LoggedEvent) => boolean) => pool.find(match)?.seq ?? Number.NaN;
    const specLease = ofType(await history(gated), 'StageStarted')[0]?.data.lease.leaseId;
    const released = seqOf(({ event }) => event.type === 'LeaseReleased' && event.data.leaseId === specLease);
    const grantedToOther = seqOf(({ event }) => event.type === 'LeaseGranted' && event.data.taskId === other);
    expect(released).toBeLessThan(grantedToOther);
    expect(ofType(await history(gated), 'StageCompleted').map((event) => event.data.stageType)).toEqual(['specification', 'implementation', 'qa']);
  }, 150_000);

  it('given a done task, when a follow-up is asked for, then a new implementation round resumes its implementation session (the fake agent reports the id it resumed), then QA, and the task is done again', async () => {
    // given a task run to done
    const [done] = await alice.createAndStart(1, 'Follow me', 'Work');
    if (done === undefined) throw new Error('no task');
    await allTerminal(client, [done], 60_000);
    const firstSession = ofType(await history(done), 'StageCompleted').find((event) => event.data.stageType === 'implementation')?.data.result.sessionId;
    expect(firstSession).toEqual(expect.any(String));

    // a follow-up on a task that is not done or failed is refused
    const running = await alice.createTask('Not yet', 'Work');
    expect((await alice.request('POST', `/api/tasks/${running}/follow-ups`, { prompt: 'more' })).status).toBe(409);

    // when alice asks for a follow-up
    const asked = await alice.request('POST', `/api/tasks/${done}/follow-ups`, { prompt: 'Also add a changelog line' });
    expect(asked).toEqual({ status: 202, body: { taskId: done, by: 'alice', status: expect.stringMatching(/^(requested|pending)$/) } });

    // then it completes a second time, through a new implementation round and QA
    const events = await eventually(async () => {
      const current = await history(done);
      return ofType(current, 'OrchestrationCompleted').length === 2 ? current : undefined;
    }, 60_000, 'the follow-up to complete');
    expect(ofType(events, 'FollowUpRequested').map((event) => event.data)).toEqual([expect.objectContaining({ prompt: 'Also add a changelog line', by: 'alice' })]);
    const round = ofType(events, 'StageScheduled').filter((event) => event.data.round === 1).map((event) => event.data);
    expect(round.map((stage) => stage.stageType)).toEqual(['implementation', 'qa']);
    expect(round[0]?.context).toMatchObject({ followUp: 'Also add a changelog line', resumeSessionId: firstSession });
    const followUpImplementation = ofType(events, 'StageCompleted').filter((event) => event.data.stageType === 'implementation').at(-1);
    expect(followUpImplementation?.data.result.sessionId).toBe(firstSession);
    await eventually(async () => ((await task(done)).status === 'done' ? true : undefined), 10_000, 'the read model to show the task done again');
  }, 120_000);
});
