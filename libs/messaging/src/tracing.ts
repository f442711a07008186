import { createHash } from 'node:crypto';
import { context, propagation, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type Span, type TextMapGetter, type TextMapSetter } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import type { MsgHdrs } from '@nats-io/transport-node';
import type { Envelope } from '@app/contracts';

/**
 * OpenTelemetry tracing across the apps. Every envelope published carries the W3C trace
 * context of the span that published it in its NATS headers (`traceparent`); the consumer
 * continues that trace in a span of its own around the handler, so a message's effects are
 * children of its cause, app after app. A message about a task that has no cause in a trace
 * (an HTTP request's first event, a timer's, a re-drive's) is parented on the task's own
 * trace, whose id is derived from the task id: one trace per task, whichever instance or
 * host touched it. Off (the API's no-op tracer, nothing computed) unless
 * OTEL_EXPORTER_OTLP_ENDPOINT is set or a test starts it with its own span processor.
 */
const TRACER = 'orchestrator-manager';
let enabled = false;
let provider: NodeTracerProvider | undefined;

export interface TracingOptions {
  /** `service.name` of the spans (the app) */
  serviceName: string;
  /** where spans go instead of OTLP (tests: a SimpleSpanProcessor on an InMemorySpanExporter) */
  spanProcessor?: SpanProcessor;
}

/**
 * Starts tracing for this process when OTEL_EXPORTER_OTLP_ENDPOINT is set (or a span
 * processor is given): spans are batched to `<endpoint>/v1/traces` over OTLP/HTTP (JSON; the
 * exporter also reads OTEL_EXPORTER_OTLP_HEADERS and the other standard variables). Returns whether
 * tracing is on.
 */
export function startTracing(options: TracingOptions, env: NodeJS.ProcessEnv = process.env): boolean {
  if (provider) return true;
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!options.spanProcessor && !endpoint) return false;
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME?.trim() || options.serviceName }),
    spanProcessors: [options.spanProcessor ?? new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint?.replace(/\/+$/, '')}/v1/traces` }))],
  });
  provider.register();
  enabled = true;
  return true;
}

/** Sends the spans not yet exported and stops tracing (an app's shutdown; a test's end). */
export async function stopTracing(): Promise<void> {
  const stopping = provider;
  provider = undefined;
  enabled = false;
  if (!stopping) return;
  await stopping.shutdown();
  trace.disable();
  propagation.disable();
  context.disable();
}

export function tracingEnabled(): boolean {
  return enabled;
}

/** The task an envelope is about: its data's taskId, else the aggregate of a task event. */
function taskIdOf(message: Envelope): string | undefined {
  const data = message.data as { taskId?: unknown };
  if (typeof data?.taskId === 'string') return data.taskId;
  return message.type.startsWith('Task') ? message.aggregateId : undefined;
}

/** The trace id (16 bytes) and root span id (8 bytes) of a task's trace, from its id. */
export function taskTraceOf(taskId: string): { traceId: string; spanId: string } {
  const digest = createHash('sha256').update(`orch-task:${taskId}`).digest('hex');
  return { traceId: digest.slice(0, 32), spanId: digest.slice(32, 48) };
}

function taskContext(message: Envelope, parent: Context): Context {
  if (trace.getSpanContext(parent)) return parent;
  const taskId = taskIdOf(message);
  if (!taskId) return parent;
  return trace.setSpanContext(parent, { ...taskTraceOf(taskId), traceFlags: TraceFlags.SAMPLED, isRemote: true });
}

function attributesOf(message: Envelope, subject: string) {
  const taskId = taskIdOf(message);
  return {
    'messaging.system': 'nats',
    'messaging.destination.name': subject,
    'messaging.message.id': message.id,
    'orch.message.type': message.type,
    'orch.producer': message.producer,
    ...(taskId ? { 'orch.task.id': taskId } : {}),
  };
}

const HEADER_SETTER: TextMapSetter<MsgHdrs> = { set: (carrier, key, value) => carrier.set(key, value) };
const HEADER_GETTER: TextMapGetter<MsgHdrs | undefined> = {
  keys: (carrier) => (carrier ? [...carrier.keys()] : []),
  get: (carrier, key) => (carrier?.has(key) ? carrier.get(key) : undefined),
};

async function inSpan<T>(span: Span, parent: Context, work: () => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}

/** Publishes in a producer span whose context `headers` then carry (traceparent). */
export async function tracedPublish<T>(message: Envelope, subject: string, headers: MsgHdrs, publish: () => Promise<T>): Promise<T> {
  if (!enabled) return publish();
  const parent = taskContext(message, context.active());
  const span = trace.getTracer(TRACER).startSpan(`publish ${message.type}`, { kind: SpanKind.PRODUCER, attributes: attributesOf(message, subject) }, parent);
  propagation.inject(trace.setSpan(parent, span), headers, HEADER_SETTER);
  return inSpan(span, parent, publish);
}

/** Handles a delivered message in a consumer span, child of the span that published it. */
export async function tracedHandle<T>(message: Envelope, subject: string, headers: MsgHdrs | undefined, consumer: string, handle: () => Promise<T>): Promise<T> {
  if (!enabled) return handle();
  const parent = taskContext(message, propagation.extract(context.active(), headers, HEADER_GETTER));
  const span = trace.getTracer(TRACER).startSpan(`process ${message.type}`, { kind: SpanKind.CONSUMER, attributes: { ...attributesOf(message, subject), 'messaging.consumer.group.name': consumer } }, parent);
  return inSpan(span, parent, handle);
}

/** Runs `work` (a stage on a runner, say) in a span of the task's trace, under the active span. */
export async function tracedStage<T>(name: string, message: Envelope, attributes: Record<string, string>, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  const parent = taskContext(message, context.active());
  const span = trace.getTracer(TRACER).startSpan(name, { kind: SpanKind.INTERNAL, attributes: { ...attributesOf(message, ''), ...attributes } }, parent);
  return inSpan(span, parent, work);
}
