import type { OrchEvent } from '@app/contracts';
import type { NatsClient } from '@app/messaging';
import { connectTestClient, eventually, factory } from '@app/testing';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway';
import { projectedSequence } from '../../../../test/support/read-model';

const { ids } = factory;

const patchOf = (file: string, line: string) => `diff --git a/${file} b/${file}\n--- a/${file}\n+++ b/${file}\n@@ -1 +1 @@\n-old\n+${line}\n`;

describe('GET /api/tasks/:id/diff: the change a stage made, as the runner recorded it', () => {
  let gateway: TestGateway;
  let client: NatsClient;

  beforeAll(async () => {
    gateway = await startTestGateway();
    client = await connectTestClient(gateway.messaging);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
  }, 60_000);

  const append = async (task: number, ...events: OrchEvent[]): Promise<number> => {
    let seq = 0;
    for (const event of events) seq = (await client.js.publish(client.subjects.task(ids.task(task)), JSON.stringify(event))).seq;
    await eventually(async () => ((await projectedSequence(gateway.database.url)) >= seq ? true : undefined), 20_000, `the projection at #${seq}`);
    return seq;
  };
  const get = async (path: string) => {
    const response = await fetch(`${gateway.baseUrl}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('given an implementation completed twice (a QA rework), then the diff of its last round is served; the specification without a diff is 404 naming the stage', async () => {
    const first = { task: 31, stageType: 'implementation' as const };
    const rework = { ...first, round: 1 };
    const diff = (base: string, head: string, line: string) => ({ baseSha: base, headSha: head, patch: patchOf('src/a.ts', line), truncated: false });
    await append(
      31,
      factory.taskCreated(31),
      factory.orchestrationAdmitted(31),
      factory.stageScheduled({ task: 31 }),
      factory.stageCompleted({ task: 31 }),
      factory.stageScheduled(first),
      factory.stageCompleted(first, { diff: diff('a1', 'b1', 'first round') }),
      factory.stageScheduled(rework),
      factory.stageCompleted(rework, { diff: { ...diff('b1', 'c1', 'second round'), truncated: true } }),
    );

    const answer = await get(`/api/tasks/${ids.task(31)}/diff?stage=implementation`);
    expect(answer).toEqual({
      status: 200,
      body: { stage: 'implementation', stageId: ids.stage('implementation', 1, 31), round: 1, attempt: 1, baseSha: 'b1', headSha: 'c1', diff: patchOf('src/a.ts', 'second round'), truncated: true },
    });
    // the default stage is the implementation
    expect((await get(`/api/tasks/${ids.task(31)}/diff`)).body.headSha).toBe('c1');
    // the stage list does not carry the diffs
    const stages = await get(`/api/orchestrator/stages/${ids.task(31)}`);
    expect(JSON.stringify(stages.body)).not.toContain('second round');

    const spec = await get(`/api/tasks/${ids.task(31)}/diff?stage=specification`);
    expect(spec.status).toBe(404);
    expect(spec.body.fields).toEqual([{ field: 'stage', problem: 'no diff recorded' }]);
  }, 60_000);

  it('given a bad stage or id, then 400 names the field; an unknown task is 404', async () => {
    const badStage = await get(`/api/tasks/${ids.task(31)}/diff?stage=deploy`);
    expect(badStage.status).toBe(400);
    expect(badStage.body.fields).toEqual([{ field: 'stage', problem: 'must be one of specification, implementation, qa' }]);
    expect((await get('/api/tasks/not-a-uuid/diff')).body.fields).toEqual([{ field: 'id', problem: 'must be a UUID' }]);
    expect((await get(`/api/tasks/${ids.task(99)}/diff`)).status).toBe(404);
  }, 30_000);
});
