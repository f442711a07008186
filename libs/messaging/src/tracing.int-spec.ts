import { headers } from '@nats-io/transport-node';
import { trace } from '@opentelemetry/api';
import { newMessage } from '@app/contracts';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { startTracing, stopTracing, taskTraceOf, tracedHandle, tracedPublish, tracingEnabled } from './tracing';

const TASK_ID = '0d3f6a57-5a4e-4c43-9d55-2f6c2c0b9b11';
const created = () => newMessage('TaskCreated', TASK_ID, { title: 't', description: 'd', taskId: TASK_ID } as never, { producer: 'gateway@test', occurredAt: new Date().toISOString() });

// The export over OTLP/HTTP runs in real processes (test/e2e/tracing-otlp.e2e-spec.ts): the
// exporter loads node:http by a dynamic import, which jest's module sandbox refuses.
describe('tracing: off unless started, then trace context in the NATS headers', () => {
  afterAll(stopTracing);

  it('given no endpoint, when a message is published, then tracing stays off and the headers carry no trace context', async () => {
    expect(startTracing({ serviceName: 'gateway' }, {})).toBe(false);
    const header = headers();

    await tracedPublish(created(), 'orch.evt.task.x', header, async () => undefined);

    expect(tracingEnabled()).toBe(false);
    expect(header.has('traceparent')).toBe(false);
  });

  it('given a span processor, when a message is published and handled, then its headers carry a W3C traceparent of the task trace and the handler continues it', async () => {
    const exporter = new InMemorySpanExporter();
    expect(startTracing({ serviceName: 'gateway', spanProcessor: new SimpleSpanProcessor(exporter) }, {})).toBe(true);
    const message = created();
    const header = headers();

    await tracedPublish(message, 'orch.evt.task.x', header, async () => undefined);
    const task = taskTraceOf(TASK_ID);
    expect(header.get('traceparent')).toMatch(new RegExp(`^00-${task.traceId}-[0-9a-f]{16}-01$`));
    let handledIn: string | undefined;
    await tracedHandle(message, 'orch.evt.task.x', header, 'orchestrator-tasks', async () => {
      handledIn = trace.getActiveSpan()?.spanContext().traceId;
    });

    expect(handledIn).toBe(task.traceId);
    const [publish, handle] = exporter.getFinishedSpans();
    expect(publish?.name).toBe('publish TaskCreated');
    expect(publish?.parentSpanContext?.spanId).toBe(task.spanId);
    expect(handle?.name).toBe('process TaskCreated');
    expect(handle?.parentSpanContext?.spanId).toBe(publish?.spanContext().spanId);
    expect(header.get('traceparent')).toContain(publish?.spanContext().spanId);
  });
});
