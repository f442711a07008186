import { newMessage, uuidv7, type OrchEvent } from '@app/contracts';
import { MessagePublisher } from '@app/messaging';
import { connectTestClient, eventually } from '@app/testing';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway';
import { useSuite } from '../../../../test/support/suite';

describe('the rollback switch: ORCHESTRATOR_ENABLED=false at the gateway', () => {
  let gateway: TestGateway;

  useSuite(async (keep) => {
    gateway = keep(await startTestGateway({ orchestratorEnabled: false }));
  });

  it('given orchestration is disabled, when a task is started, then 503 names the switch, and reads still answer', async () => {
    const client = await connectTestClient(gateway.messaging);
    const taskId = uuidv7();
    const created = newMessage('TaskCreated', taskId, { taskId, title: 'Waits for the switch', description: '', repoPath: null, baseBranch: null }, { producer: 'spec', occurredAt: new Date().toISOString() });
    await new MessagePublisher(client).append(created as OrchEvent, 0);
    await client.close();
    await eventually(async () => ((await fetch(`${gateway.baseUrl}/api/tasks/${taskId}`)).status === 200 ? true : undefined), 10_000, 'the task to be projected');

    const response = await fetch(`${gateway.baseUrl}/api/orchestrator/start`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ taskId }),
    });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({
      statusCode: 503,
      message: expect.stringContaining('ORCHESTRATOR_ENABLED=false'),
      fields: [{ field: 'ORCHESTRATOR_ENABLED', problem: 'is false' }],
    });
    const read = await fetch(`${gateway.baseUrl}/api/tasks/${taskId}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: taskId, status: 'created' });
  }, 30_000);
});
