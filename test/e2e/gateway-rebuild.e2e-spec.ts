import type { Client } from 'pg';
import { spawn } from 'node:child_process';
import { asApp, connectTestClient, eventually, messagingEnv } from '@app/testing';
import { repoRoot } from '../../libs/testing/src/repo-root';
import { ApiClient } from '../../libs/testing/src/api-client';
import { rebuildProjection } from '../../apps/gateway/src/projection/projection-rebuild.module';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite, connectPg } from '../support/suite';

interface Json {
  [key: string]: unknown;
}

/** Every read table, ordered by its key; the checkpoint without its wall-clock `updated_at`. */
const DUMPS: Record<string, string> = {
  tasks: 'SELECT * FROM tasks ORDER BY id',
  orchestrator_stages: 'SELECT * FROM orchestrator_stages ORDER BY id',
  stage_runs: 'SELECT * FROM stage_runs ORDER BY stage_id, attempt',
  pool_slots: 'SELECT * FROM pool_slots ORDER BY pool_id, slot',
  lease_requests: 'SELECT * FROM lease_requests ORDER BY pool_id, stage_id, attempt',
  dead_letters: 'SELECT * FROM dead_letters ORDER BY id',
  projection_checkpoints: 'SELECT name, last_sequence FROM projection_checkpoints ORDER BY name',
};


describe('projection:rebuild', () => {
  let system: TestSystem;
  let database: Client;

  useSuite(async (keep) => {
    system = keep(await startTestSystem());
    database = keep(await connectPg(system.database.url));
  });

  const api = (method: string, route: string, body?: unknown) => new ApiClient(system.baseUrl).request<Json>(method, route, body);
  const dump = async (): Promise<Record<string, unknown[]>> => {
    const tables: Record<string, unknown[]> = {};
    for (const [table, sql] of Object.entries(DUMPS)) tables[table] = (await database.query(sql)).rows;
    return tables;
  };
  const settled = () => eventually(async () => ((await api('GET', '/health')).body.projection as Json | undefined)?.lag === 0 || undefined, 20_000, 'the projection to catch up');
  const env = () => ({ ...process.env, DATABASE_URL: system.database.url, ...messagingEnv(system.messaging, 'gateway') });

  it('given a history with a done, a failed, a cancelled and a deleted task and a dead letter, when the read model is rebuilt, then every row comes out identical, from a test and from npm run projection:rebuild', async () => {
    // given a history of every kind
    const done = (await api('POST', '/api/tasks', { title: 'Done', description: 'ok', repoPath: null })).body.id as string;
    const failed = (await api('POST', '/api/tasks', { title: 'Failed', description: '[[fake:is-error]]' })).body.id as string;
    const cancelled = (await api('POST', '/api/tasks', { title: 'Cancelled', description: '[[fake:slow=300]]' })).body.id as string;
    const deleted = (await api('POST', '/api/tasks', { title: 'Deleted' })).body.id as string;
    for (const taskId of [done, failed, cancelled]) expect((await api('POST', '/api/orchestrator/start', { taskId })).status).toBe(202);
    expect((await api('POST', `/api/orchestrator/cancel/${cancelled}`, { reason: 'not needed' })).status).toBe(202);
    expect((await api('DELETE', `/api/tasks/${deleted}`)).status).toBe(204);
    for (const [taskId, status] of [[done, 'done'], [failed, 'failed'], [cancelled, 'cancelled']] as const) {
      await eventually(async () => ((await api('GET', `/api/tasks/${taskId}`)).body.status === status ? true : undefined), 60_000, `task ${status}`);
    }
    const nats = await connectTestClient(system.messaging);
    await nats.js.publish(nats.subjects.task(done), JSON.stringify({ not: 'an envelope' }));
    await nats.close();
    await settled();
    const live = await dump();
    expect(live.tasks).toHaveLength(3);
    expect(live.stage_runs?.length).toBeGreaterThanOrEqual(6);
    expect(live.pool_slots).toHaveLength(3);
    expect(live.dead_letters).toEqual([expect.objectContaining({ consumer: 'gateway-read-model', reason: expect.stringContaining('invalid envelope') })]);

    // when it is rebuilt in this process
    const report = await rebuildProjection({ messaging: asApp(system.messaging, 'gateway', 'rebuild@test'), databaseUrl: system.database.url });

    // then the rows are the same
    expect(report).toMatchObject({ deadLetters: 1, lastSeq: Number((live.projection_checkpoints?.[0] as Json).last_sequence) });
    expect(await dump()).toEqual(live);

    // when it is rebuilt by the npm script, on the built dist
    const run = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('npm', ['run', '--silent', 'projection:rebuild'], { cwd: repoRoot(), env: env(), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('exit', (code) => resolve({ code, output }));
    });

    // then it says what it did, and again the rows are the same
    expect(run.output).toMatch(/Rebuilt the read model from \d+ events up to #\d+ \(1 dead letters\)/);
    expect(run.code).toBe(0);
    expect(await dump()).toEqual(live);
    // and the live gateway carries on from there
    const after = (await api('POST', '/api/tasks', { title: 'After the rebuild' })).body;
    expect((await api('GET', `/api/tasks/${after.id as string}`)).status).toBe(200);
  }, 240_000);
});
