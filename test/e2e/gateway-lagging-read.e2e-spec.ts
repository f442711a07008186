import type { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import { newMessage } from '@app/contracts';
import type { NatsClient } from '@app/messaging';
import { connectTestClient } from '@app/testing';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite, connectPg } from '../support/suite';

/**
 * A task the read model does not show yet exists all the same: the log decides. The
 * projection is held back by locking its checkpoint row from the test, so the lag is real
 * and lasts as long as the test wants.
 */
describe('reading a task while the projection lags', () => {
  let system: TestSystem;
  let nats: NatsClient;
  let pg: Client;

  useSuite(async (keep) => {
    system = keep(await startTestSystem());
    nats = keep(await connectTestClient(system.messaging));
    pg = keep(await connectPg(system.database.url));
  });

  const get = (taskId: string) => fetch(`${system.baseUrl}/api/tasks/${taskId}`);

  /** Stores TaskCreated straight on the log, as another gateway would. */
  const storeTask = async (title: string) => {
    const taskId = randomUUID();
    const event = newMessage('TaskCreated', taskId, { taskId, title, description: 'made elsewhere', repoPath: null, baseBranch: null }, {
      producer: 'gateway@elsewhere',
      occurredAt: new Date().toISOString(),
    });
    await nats.js.publish(nats.subjects.task(taskId), JSON.stringify(event), { msgID: event.id });
    return taskId;
  };

  it('given a task stored while the projection is held back, when it is read, then the answer waits for the projection and is 200, not 404', async () => {
    await pg.query('BEGIN');
    let reading: Promise<number>;
    let answered: number | null = null;
    let taskId: string;
    try {
      await pg.query(`SELECT last_sequence FROM projection_checkpoints WHERE name = 'gateway-read-model' FOR UPDATE`);
      taskId = await storeTask('Lagging');
      reading = get(taskId).then((response) => (answered = response.status));
      await new Promise((resolve) => setTimeout(resolve, 750));
    } finally {
      await pg.query('COMMIT'); // the projection goes on
    }
    expect(answered).toBeNull(); // it was still waiting on the projection, not a 404
    expect(await reading).toBe(200);
    expect(await (await get(taskId)).json()).toMatchObject({ id: taskId, title: 'Lagging', status: 'created' });
  }, 30_000);

  it('given an id no task ever had, then it is 404 at once, naming the field', async () => {
    const response = await get(randomUUID());
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ fields: [expect.objectContaining({ field: 'id' })] });
  });

  it('given a task that was deleted, then it is 404 once the projection has applied the deletion', async () => {
    const created = await fetch(`${system.baseUrl}/api/tasks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Short-lived' }),
    });
    const { id } = (await created.json()) as { id: string };
    expect((await fetch(`${system.baseUrl}/api/tasks/${id}`, { method: 'DELETE' })).status).toBeLessThan(300);
    expect((await get(id)).status).toBe(404);
  });
});
