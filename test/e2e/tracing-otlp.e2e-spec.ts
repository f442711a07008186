import { eventually, webhookReceiver, type WebhookReceiver } from '@app/testing';
import { buildAppsOnce } from '../../libs/testing/src/build-once';
import { taskTraceOf } from '@app/messaging';
import { ApiClient } from '../../libs/testing/src/api-client';
import { startProcessSystem, type ProcessSystem } from '../support/process-system';
import { useSuite } from '../support/suite';

interface OtlpSpan { name: string; traceId: string; spanId: string; parentSpanId?: string; attributes: { key: string; value: { stringValue?: string } }[] }
interface OtlpBody { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] }

/** Every span the receiver got, with the service.name of the process that sent it. */
function receivedSpans(receiver: WebhookReceiver): Array<OtlpSpan & { service: string }> {
  return receiver.received.flatMap((request) =>
    (JSON.parse(request.body) as OtlpBody).resourceSpans.flatMap((resource) => {
      const service = resource.resource.attributes.find((attribute) => attribute.key === 'service.name')?.value.stringValue ?? '';
      return resource.scopeSpans.flatMap((scope) => scope.spans.map((span) => ({ ...span, service })));
    }),
  );
}

describe('tracing over OTLP: the four apps as processes, OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
  let receiver: WebhookReceiver;
  let system: ProcessSystem;

  useSuite(async (keep) => {
    await buildAppsOnce();
    receiver = keep(await webhookReceiver());
    system = keep(await startProcessSystem({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' } }));
  }, 300_000);

  it('given a task run to done, then an OTLP receiver gets its spans from every app, all in the task trace, the runner hop a child of the orchestrator publish', async () => {
    const api = new ApiClient(system.baseUrl);
    const [taskId] = (await api.createAndStart(1, 'Exported task', 'spans over OTLP')) as [string];
    await eventually(async () => ((await api.request('GET', `/api/tasks/${taskId}`)).body.status === 'done' ? true : undefined), 90_000, 'the task to be done');
    const task = taskTraceOf(taskId);

    const spans = await eventually(async () => {
      const found = receivedSpans(receiver).filter((span) => span.traceId === task.traceId);
      return new Set(found.map((span) => span.service)).size === 4 && found.some((span) => span.name === 'process OrchestrationCompleted') ? found : undefined;
    }, 30_000, 'spans of the task from the four apps');

    expect(receiver.received.every((request) => request.headers['content-type'] === 'application/json')).toBe(true);
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['gateway', 'orchestrator', 'pool-manager', 'runner']));
    const aboutTask = receivedSpans(receiver).filter((span) => span.attributes.some((attribute) => attribute.key === 'orch.task.id' && attribute.value.stringValue === taskId));
    expect(aboutTask.filter((span) => span.traceId !== task.traceId)).toEqual([]);
    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const runStage = spans.find((span) => span.name === 'process RunStage' && span.service === 'runner');
    expect(byId.get(runStage?.parentSpanId ?? '')).toMatchObject({ name: 'publish RunStage', service: 'orchestrator' });
    expect(spans.filter((span) => span.name.startsWith('stage ') && span.service === 'runner').map((span) => span.name).sort()).toEqual(['stage implementation', 'stage qa', 'stage specification']);
  }, 150_000);
});
