import { createHmac } from 'node:crypto';
import type { OrchEvent } from '@app/contracts';
import type { NatsClient } from '@app/messaging';
import { connectTestClient, eventually, factory, webhookReceiver, type WebhookReceiver } from '@app/testing';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway';
import { NO_WEBHOOKS } from './webhooks.config';

const { ids } = factory;
const SECRET = 'whsec-test-0123456789';

interface Delivery {
  event: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
}

describe('webhooks: signed, in order, retried with backoff, recorded', () => {
  let receiver: WebhookReceiver;
  let flaky: WebhookReceiver;
  let gateway: TestGateway;
  let client: NatsClient;

  beforeAll(async () => {
    receiver = await webhookReceiver();
    // answers 500 to its first request, then 200
    flaky = await webhookReceiver((request) => (request === 1 ? 500 : 200));
    gateway = await startTestGateway({
      webhooks: { ...NO_WEBHOOKS, urls: [new URL(receiver.url), new URL(flaky.url)], secret: SECRET, boardPublicUrl: 'https://board.example.com/', retryBaseMs: 200 },
    });
    client = await connectTestClient(gateway.messaging);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
    await receiver?.close();
    await flaky?.close();
  }, 60_000);

  const append = async (task: number, ...events: OrchEvent[]): Promise<void> => {
    for (const event of events) await client.js.publish(client.subjects.task(ids.task(task)), JSON.stringify(event));
  };
  const deliveriesOf = async (task: number): Promise<Delivery[]> => (await (await fetch(`${gateway.baseUrl}/api/tasks/${ids.task(task)}/webhooks`)).json()) as Delivery[];
  const bodies = (of: WebhookReceiver) => of.received.map((request) => JSON.parse(request.body) as Record<string, unknown>);

  it('given a task that opens a pull request and is done, and another that fails, then each receiver gets the three deliveries in order, each signed with WEBHOOK_SECRET, linking to the board; the flaky one gets its first again after its 500', async () => {
    await append(41, factory.taskCreated(41, { title: 'Add a health check' }), factory.orchestrationAdmitted(41));
    await append(42, factory.taskCreated(42), factory.orchestrationAdmitted(42));
    const pullRequest = factory.taskPullRequestOpened(41);
    await append(41, pullRequest, factory.orchestrationCompleted(41));
    await append(42, factory.orchestrationFailed(42, 'QA rejected it 3 times'));

    await eventually(async () => (receiver.received.length >= 3 && flaky.received.length >= 4 ? true : undefined), 20_000, 'three deliveries to each receiver');

    expect(bodies(receiver).map((body) => [body.event, (body.task as { id: string }).id])).toEqual([
      ['pull-request-opened', ids.task(41)],
      ['done', ids.task(41)],
      ['failed', ids.task(42)],
    ]);
    expect(bodies(receiver)[1]).toMatchObject({ task: { id: ids.task(41), title: 'Add a health check' }, link: `https://board.example.com/#/tasks/${ids.task(41)}` });
    expect(bodies(receiver)[0]?.details).toEqual({ pullRequestUrl: pullRequest.data.url, number: pullRequest.data.number });
    expect(bodies(receiver)[2]?.details).toEqual({ reason: 'QA rejected it 3 times' });
    for (const request of [...receiver.received, ...flaky.received]) {
      expect(request.headers['x-orchestrator-signature-256']).toBe(`sha256=${createHmac('sha256', SECRET).update(request.body).digest('hex')}`);
      expect(request.body).not.toContain(SECRET);
    }
    // the flaky receiver: its first delivery again after the 500 (nothing overtook it), then the others in order
    expect(bodies(flaky).map((body) => body.event)).toEqual(['pull-request-opened', 'pull-request-opened', 'done', 'failed']);
    expect(flaky.received[1]!.at - flaky.received[0]!.at).toBeGreaterThanOrEqual(150);

    await eventually(async () => ((await deliveriesOf(41)).every((delivery) => delivery.status === 'delivered') ? true : undefined), 10_000, 'the deliveries recorded');
    const recorded = await deliveriesOf(41);
    expect(recorded.map((delivery) => [delivery.event, delivery.status, delivery.attempts, delivery.lastStatusCode])).toEqual(
      expect.arrayContaining([
        ['pull-request-opened', 'delivered', 1, 200],
        ['pull-request-opened', 'delivered', 2, 200],
        ['done', 'delivered', 1, 200],
        ['done', 'delivered', 1, 200],
      ]),
    );
    expect(JSON.stringify(recorded)).not.toContain(SECRET);
    expect(JSON.stringify(recorded)).not.toContain('/hooks'); // the target is shown by its origin only
  }, 60_000);

  it('given the same event stored twice (re-published without its message id), then it is delivered once', async () => {
    const before = receiver.received.length;
    const done = factory.orchestrationCompleted(43);
    await append(43, factory.taskCreated(43), done);
    await client.js.publish(client.subjects.task(ids.task(43)), JSON.stringify(done));
    await append(43, factory.orchestrationFailed(43, 'a later event'));

    await eventually(async () => (receiver.received.length >= before + 2 ? true : undefined), 20_000, 'the deliveries of task 43');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(bodies(receiver).slice(before).map((body) => body.event)).toEqual(['done', 'failed']);
  }, 60_000);
});

describe('webhooks: a receiver that keeps failing', () => {
  let broken: WebhookReceiver;
  let gateway: TestGateway;
  let client: NatsClient;

  beforeAll(async () => {
    broken = await webhookReceiver(() => 500);
    gateway = await startTestGateway({ webhooks: { ...NO_WEBHOOKS, urls: [new URL(broken.url)], maxAttempts: 3, retryBaseMs: 50 } });
    client = await connectTestClient(gateway.messaging);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await gateway?.stop();
    await broken?.close();
  }, 60_000);

  it('given WEBHOOK_MAX_ATTEMPTS=3, then a delivery is tried three times, recorded as failed with the last status, and the next one to the same receiver is tried after it', async () => {
    for (const event of [factory.taskCreated(51), factory.orchestrationFailed(51, 'first'), factory.orchestrationCompleted(52)]) {
      await client.js.publish(client.subjects.task(event.aggregateId), JSON.stringify(event));
    }

    await eventually(async () => (broken.received.length >= 6 ? true : undefined), 20_000, 'both deliveries tried three times');
    expect(broken.received.map((request) => (JSON.parse(request.body) as { event: string }).event)).toEqual(['failed', 'failed', 'failed', 'done', 'done', 'done']);
    expect(broken.received[0]?.headers['x-orchestrator-signature-256']).toBeUndefined(); // no WEBHOOK_SECRET: unsigned
    const recorded = await eventually(async () => {
      const deliveries = (await (await fetch(`${gateway.baseUrl}/api/tasks/${ids.task(51)}/webhooks`)).json()) as Delivery[];
      return deliveries[0]?.status === 'failed' ? deliveries : undefined;
    }, 10_000, 'the failed delivery recorded');
    expect(recorded).toEqual([expect.objectContaining({ event: 'failed', status: 'failed', attempts: 3, lastStatusCode: 500, lastError: 'answered 500' })]);
  }, 60_000);
});
