import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { eventually } from '@app/testing';
import { ApiClient } from '../../libs/testing/src/api-client';
import { startTracing, stopTracing, taskTraceOf } from '@app/messaging';
import { startTestSystem, type TestSystem } from '../support/system';
import { useSuite } from '../support/suite';

describe('tracing: one trace per task across the four apps', () => {
  const exporter = new InMemorySpanExporter();
  let system: TestSystem;

  useSuite(async (keep) => {
    startTracing({ serviceName: 'e2e', spanProcessor: new SimpleSpanProcessor(exporter) });
    keep({ stop: stopTracing });
    system = keep(await startTestSystem());
  });

  it('given a task run to done, then every span about it is in the task trace, each hop is a child of the publish that caused it, and the stages have spans', async () => {
    const api = new ApiClient(system.baseUrl);
    const [taskId] = (await api.createAndStart(1, 'Traced task', 'one trace')) as [string];
    await eventually(async () => ((await api.request('GET', `/api/tasks/${taskId}`)).body.status === 'done' ? true : undefined), 60_000, 'the task to be done');
    // the last spans (the handlers of OrchestrationCompleted, the lease's release) end just after the read model shows done
    const task = taskTraceOf(taskId);
    let seen = -1;
    const spans = await eventually(async () => {
      const found = exporter.getFinishedSpans().filter((span) => span.spanContext().traceId === task.traceId);
      const settled = found.length === seen && found.some((span) => span.name === 'process OrchestrationCompleted');
      seen = found.length;
      if (!settled) await new Promise((resolve) => setTimeout(resolve, 1_000));
      return settled ? found : undefined;
    }, 20_000, 'the spans of the task to settle');

    // nothing about the task is outside its trace
    const aboutTask = exporter.getFinishedSpans().filter((span) => span.attributes['orch.task.id'] === taskId);
    expect(aboutTask.filter((span) => span.spanContext().traceId !== task.traceId).map((span) => span.name)).toEqual([]);

    // connected: every span's parent is a span of the trace or the task's root
    const ids = new Set(spans.map((span) => span.spanContext().spanId));
    const orphans = spans.filter((span) => !span.parentSpanContext || (!ids.has(span.parentSpanContext.spanId) && span.parentSpanContext.spanId !== task.spanId));
    expect(orphans.map((span) => span.name)).toEqual([]);

    // it crossed every app: each one's consumer handled messages of this task
    const consumers = new Set(spans.map((span) => span.attributes['messaging.consumer.group.name']).filter(Boolean));
    expect([...consumers]).toEqual(expect.arrayContaining(['orchestrator-tasks', 'pool-manager-commands', 'runner-commands']));
    const producers = new Set(spans.filter((span) => span.name.startsWith('publish ')).map((span) => span.attributes['orch.producer']));
    expect([...producers].map((producer) => String(producer).split('@')[0])).toEqual(expect.arrayContaining(['gateway', 'orchestrator', 'pool-manager', 'runner']));

    // a hop through NATS: the runner's RunStage span is the child of the orchestrator's publish of that very message (traceparent header)
    const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
    const runStages = spans.filter((span) => span.name === 'process RunStage');
    expect(runStages.length).toBeGreaterThanOrEqual(3);
    for (const processed of runStages) {
      const publish = byId.get(processed.parentSpanContext?.spanId ?? '') as ReadableSpan;
      expect(publish.name).toBe('publish RunStage');
      expect(publish.attributes['messaging.message.id']).toBe(processed.attributes['messaging.message.id']);
    }

    // one span per stage, and the stage's completion is published inside it
    const stages = spans.filter((span) => span.name.startsWith('stage '));
    expect(stages.map((span) => span.name).sort()).toEqual(['stage implementation', 'stage qa', 'stage specification']);
    const completed = spans.filter((span) => span.name === 'publish StageCompleted');
    const stageIds = new Set(stages.map((span) => span.spanContext().spanId));
    const inStage = (span: ReadableSpan): boolean => {
      const parent = byId.get(span.parentSpanContext?.spanId ?? '');
      return parent !== undefined && (stageIds.has(parent.spanContext().spanId) || inStage(parent));
    };
    expect(completed).toHaveLength(3);
    for (const span of completed) expect(inStage(span)).toBe(true);
  }, 90_000);
});
