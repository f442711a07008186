import { eventually, webhookReceiver, type WebhookReceiver } from '@app/testing';
import { ApiClient } from '../../libs/testing/src/api-client';
import { NO_WEBHOOKS } from '../../apps/gateway/src/webhooks/webhooks.config';
import { startTestSystem, type TestSystem } from '../support/system';

describe('webhooks never hold the pipeline back', () => {
  let receiver: WebhookReceiver;
  let system: TestSystem;
  let api: ApiClient;

  beforeAll(async () => {
    // never answers: every delivery waits for its timeout
    receiver = await webhookReceiver(() => 'hang');
    system = await startTestSystem({ gateway: { webhooks: { ...NO_WEBHOOKS, urls: [new URL(receiver.url)], secret: 'whsec-e2e-0123456789', timeoutMs: 120_000 } } });
    api = new ApiClient(system.baseUrl);
  }, 60_000);

  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
  }, 60_000);

  const doneOf = (taskId: string) =>
    eventually(async () => ((await api.request<{ status: string }>('GET', `/api/tasks/${taskId}`)).body.status === 'done' ? true : undefined), 60_000, `task ${taskId} to be done`);

  it('given a receiver that hangs on the first task\'s "done", then a second task started after it still runs through to done while that delivery hangs, and its own delivery waits behind it', async () => {
    const [first] = await api.createAndStart(1, 'Hung webhook', 'first');
    await doneOf(first!);
    await eventually(async () => (receiver.hanging() === 1 ? true : undefined), 20_000, 'the first delivery to hang');

    const [second] = await api.createAndStart(1, 'Behind a hung webhook', 'second');
    await doneOf(second!);

    // the receiver still holds the first delivery: the pipeline did not wait for it
    expect(receiver.hanging()).toBe(1);
    expect(receiver.received.map((request) => JSON.parse(request.body) as { event: string; task: { id: string } }).map((body) => [body.event, body.task.id])).toEqual([['done', first]]);
    const deliveries = await api.request<Array<{ event: string; status: string; attempts: number }>>('GET', `/api/tasks/${second}/webhooks`);
    expect(deliveries.body).toEqual([expect.objectContaining({ event: 'done', status: 'pending', attempts: 0 })]);
  }, 120_000);
});
