import { Logger } from '@nestjs/common';
import { CustomTransportStrategy, Server, type MessageHandler } from '@nestjs/microservices';
import { AckPolicy, DeliverPolicy, JetStreamApiCodes, JetStreamApiError } from '@nats-io/jetstream';
import type { ConsumerConfig, JsMsg } from '@nats-io/jetstream';
import { isObservable, lastValueFrom } from 'rxjs';
import { isMessageType, validateMessage, type OrchMessage } from '@app/contracts';
import { withLogContext } from '@app/config';
import type { DeadLetterRecord } from './dead-letter';
import { PoisonMessageError, TransientError } from './errors';
import { JetStreamContext } from './jetstream.context';
import { logContextOf } from './log-context';
import { tracedHandle } from './tracing';
import type { MessagingOptions } from './messaging.options';
import { NatsClient } from './nats-client';
import { ResumingRead } from './resuming-read';

export interface ConsumerDefinition {
  /** durable consumer name, shared by every instance of the app */
  durable: string;
  stream: 'events' | 'commands' | 'heartbeats';
  /** one subject filter (NATS 2.9 takes one per consumer) */
  filterSubject: string;
  /**
   * Deliveries before a failing message goes to the dead letters; default 5. Counted here,
   * not by the server (whose `max_deliver` is unlimited): a message the server stopped
   * delivering while its dead letter could not be stored would be lost.
   */
  maxDeliver?: number;
  /** milliseconds a delivery may go unacknowledged before it is redelivered; default 30 000 */
  ackWaitMs?: number;
  /** where a new consumer starts: the whole stream (default) or only new messages */
  deliverPolicy?: 'all' | 'new';
  /**
   * Messages handled at once; default 1. Messages on one subject (one aggregate) are
   * always handled one after the other, in stream order; only different subjects overlap.
   */
  concurrency?: number;
}

export interface JetStreamServerOptions {
  messaging: MessagingOptions;
  consumers: ConsumerDefinition[];
  /** the NATS connection's name, seen in `nats server report connections` */
  connectionName: string;
  /** durable consumers an earlier version used and this one no longer does: deleted at start */
  retiredConsumers?: Array<Pick<ConsumerDefinition, 'durable' | 'stream'>>;
}

type JetStreamServerEvents = {
  /** a message was given up on and recorded in the dead letters */
  deadLetter: (record: DeadLetterRecord) => void;
  /** a consumer loop failed and is being restarted */
  error: (error: unknown) => void;
};

const MAX_BACKOFF_MS = 30_000;

/** milliseconds before the next delivery of a message that failed its `deliveryCount`th: 250 ms doubling, at most 30 s */
function backoffMs(deliveryCount: number): number {
  return Math.min(MAX_BACKOFF_MS, 250 * 2 ** (deliveryCount - 1));
}

/**
 * A NestJS transport over durable JetStream pull consumers. Handlers are ordinary
 * `@EventPattern('<MessageType>')` methods; the transport validates each message against
 * the contracts first, then acks after the handler succeeds, naks with a delay when it
 * throws, and terminates and dead-letters a message that is invalid, poisonous, or past
 * its max deliveries — only once the dead letter is stored: until then it is nak'ed and
 * delivered again.
 */
export class JetStreamServer extends Server<JetStreamServerEvents> implements CustomTransportStrategy {
  private readonly log = new Logger(JetStreamServer.name);
  private client: NatsClient | null = null;
  private readonly handlers = new Map<string, MessageHandler | null>();
  private readonly loops: Array<ResumingRead<JsMsg>> = [];
  private readonly listeners: { [K in keyof JetStreamServerEvents]: Array<JetStreamServerEvents[K]> } = {
    deadLetter: [],
    error: [],
  };

  constructor(private readonly options: JetStreamServerOptions) {
    super();
  }

  async listen(callback: (error?: unknown) => void): Promise<void> {
    try {
      this.client = await NatsClient.connect(this.options.messaging, this.options.connectionName);
      for (const definition of this.options.consumers) {
        await this.ensureConsumer(this.client, definition);
      }
      for (const retired of this.options.retiredConsumers ?? []) {
        await this.client.jsm.consumers.delete(this.streamName(this.client, retired.stream), retired.durable).catch((error: unknown) => {
          if (!(error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound)) throw error;
        });
      }
      for (const definition of this.options.consumers) {
        this.loops.push(this.startLoop(this.client, definition));
      }
      callback();
    } catch (error) {
      callback(error);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
    this.loops.length = 0;
    await this.client?.close();
    this.client = null;
  }

  on<K extends keyof JetStreamServerEvents>(event: K, callback: JetStreamServerEvents[K]): void {
    this.listeners[event].push(callback);
  }

  unwrap<T>(): T {
    if (!this.client) throw new Error('JetStreamServer is not listening');
    return this.client as T;
  }

  /** The handler of a message type; looked up once per type (handlers are all registered before `listen`). */
  private handlerFor(type: string): MessageHandler | null {
    let handler = this.handlers.get(type);
    if (handler === undefined) {
      handler = this.getHandlerByPattern(type);
      this.handlers.set(type, handler);
    }
    return handler;
  }

  private streamName(client: NatsClient, stream: ConsumerDefinition['stream']): string {
    if (stream === 'heartbeats') return client.subjects.heartbeatsStream;
    return stream === 'events' ? client.subjects.eventsStream : client.subjects.commandsStream;
  }

  private async ensureConsumer(client: NatsClient, definition: ConsumerDefinition): Promise<void> {
    const stream = this.streamName(client, definition.stream);
    const config: Partial<ConsumerConfig> = {
      durable_name: definition.durable,
      ack_policy: AckPolicy.Explicit,
      filter_subject: definition.filterSubject,
      // unlimited: the transport gives a message up itself, once its dead letter is stored
      max_deliver: -1,
      ack_wait: (definition.ackWaitMs ?? 30_000) * 1_000_000,
      max_ack_pending: 1_000,
    };
    const existing = await client.jsm.consumers.info(stream, definition.durable).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.ConsumerNotFound) return null;
      throw error;
    });
    if (existing === null) {
      const deliverPolicy = definition.deliverPolicy === 'new' ? DeliverPolicy.New : DeliverPolicy.All;
      await client.jsm.consumers.add(stream, { ...config, deliver_policy: deliverPolicy });
    } else {
      await client.jsm.consumers.update(stream, definition.durable, {
        max_deliver: config.max_deliver,
        ack_wait: config.ack_wait,
        max_ack_pending: config.max_ack_pending,
        filter_subject: config.filter_subject,
      });
    }
  }

  private startLoop(client: NatsClient, definition: ConsumerDefinition): ResumingRead<JsMsg> {
    const stream = this.streamName(client, definition.stream);
    let lanes = new SubjectLanes(definition.concurrency ?? 1);
    const loop = new ResumingRead<JsMsg>({
      open: async () => {
        const consumer = await client.js.consumers.get(stream, definition.durable);
        lanes = new SubjectLanes(definition.concurrency ?? 1);
        const messages = await consumer.consume({ max_messages: 256 });
        return { messages, stop: () => messages.stop() };
      },
      handle: (message) => lanes.run(message.subject, () => this.dispatch(client, definition, stream, message)),
      settle: () => lanes.drain(),
      failed: (error) => {
        this.log.error(`Consumer ${definition.durable} stopped: ${error.message}; restarting`);
        for (const listener of this.listeners.error) listener(error);
      },
    });
    loop.start();
    return loop;
  }

  private async dispatch(client: NatsClient, definition: ConsumerDefinition, stream: string, delivery: JsMsg): Promise<void> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(delivery.data).toString('utf8'));
    } catch (error) {
      await this.deadLetter(client, definition, stream, delivery, `not JSON: ${(error as Error).message}`);
      return;
    }
    if (isUnhandledEvent(parsed, (type) => this.handlerFor(type) !== null)) {
      // an event this app does not follow (another app's business) is only acknowledged
      delivery.ack();
      return;
    }
    const validated = validateMessage(parsed);
    if (!validated.ok) {
      await this.deadLetter(client, definition, stream, delivery, validated.reason);
      return;
    }
    const message = validated.message;
    await withLogContext(logContextOf(message), () => tracedHandle(message, delivery.subject, delivery.headers, definition.durable, () => this.handle(client, definition, stream, delivery, message)));
  }

  private async handle(client: NatsClient, definition: ConsumerDefinition, stream: string, delivery: JsMsg, message: OrchMessage): Promise<void> {
    const handler = this.handlerFor(message.type);
    if (!handler) {
      if (message.kind === 'command') {
        await this.deadLetter(client, definition, stream, delivery, `no handler for command ${message.type} in ${definition.durable}`);
      } else {
        delivery.ack();
      }
      return;
    }
    const context = new JetStreamContext([
      {
        subject: delivery.subject,
        seq: delivery.seq,
        deliveryCount: delivery.info.deliveryCount,
        consumer: definition.durable,
        message: delivery,
      },
    ]);
    try {
      const result: unknown = await handler(message, context);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      delivery.ack();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof PoisonMessageError) {
        await this.deadLetter(client, definition, stream, delivery, reason);
        return;
      }
      const maxDeliver = definition.maxDeliver ?? 5;
      if (delivery.info.deliveryCount >= maxDeliver) {
        await this.deadLetter(client, definition, stream, delivery, `failed ${maxDeliver} deliveries; last error: ${reason}`);
        return;
      }
      const delayMs = error instanceof TransientError && error.retryAfterMs !== undefined ? error.retryAfterMs : backoffMs(delivery.info.deliveryCount);
      this.log.warn(`${message.type} ${message.id} failed (delivery ${delivery.info.deliveryCount}/${maxDeliver}), retrying in ${delayMs} ms: ${reason}`);
      delivery.nak(delayMs);
    }
  }

  /**
   * Records the message on `<root>.dlq.<consumer>`, then takes it out of the way: a
   * command is acked (so the work queue lets it go), an event terminated. If the record
   * cannot be written the message is nak'ed instead: it is never dropped unrecorded.
   */
  private async deadLetter(client: NatsClient, definition: ConsumerDefinition, stream: string, delivery: JsMsg, reason: string): Promise<void> {
    const record: DeadLetterRecord = {
      reason,
      consumer: definition.durable,
      stream,
      subject: delivery.subject,
      streamSequence: delivery.seq,
      deliveryCount: delivery.info.deliveryCount,
      deadAt: new Date().toISOString(),
      payload: Buffer.from(delivery.data).toString('utf8'),
    };
    try {
      await client.js.publish(client.subjects.deadLetter(definition.durable), JSON.stringify(record), {
        msgID: `dlq:${stream}:${delivery.seq}:${definition.durable}`,
      });
    } catch (error) {
      // kept: the server delivers it again (its max_deliver is unlimited), and the next delivery tries again
      const delayMs = backoffMs(delivery.info.deliveryCount);
      this.log.error(`Could not record dead letter for ${stream} #${delivery.seq} (kept, delivered again in ${delayMs} ms): ${(error as Error).message}`);
      delivery.nak(delayMs);
      return;
    }
    this.log.warn(`Dead letter from ${definition.durable}: ${stream} #${delivery.seq} on ${delivery.subject}: ${reason}`);
    // recorded: a command leaves the work queue (NATS 2.9 keeps a terminated message there for ever); an event is terminated
    if (definition.stream === 'commands') delivery.ack();
    else delivery.term(reason.slice(0, 200));
    for (const listener of this.listeners.deadLetter) listener(record);
  }
}

/**
 * Runs work with at most `limit` items in flight, one lane per subject: work on the same
 * subject runs in the order it was given, work on different subjects overlaps.
 */
class SubjectLanes {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly limit: number) {}

  /** Resolves once the work is admitted (not done), so the caller can take the next message. */
  async run(subject: string, work: () => Promise<void>): Promise<void> {
    while (this.inFlight.size >= this.limit) await Promise.race(this.inFlight);
    const previous = this.tails.get(subject) ?? Promise.resolve();
    const current = previous.then(work).catch(() => undefined);
    this.tails.set(subject, current);
    const tracked: Promise<void> = current.finally(() => {
      this.inFlight.delete(tracked);
      if (this.tails.get(subject) === current) this.tails.delete(subject);
    });
    this.inFlight.add(tracked);
  }

  async drain(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}

/**
 * An event of a known type no handler here takes: cheap to recognise, no need to validate
 * it. One of an unknown type is validated, so it goes to the dead letters with its reason.
 */
function isUnhandledEvent(value: unknown, handles: (type: string) => boolean): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const { kind, type } = value as { kind?: unknown; type?: unknown };
  return kind === 'event' && typeof type === 'string' && isMessageType(type) && !handles(type);
}
