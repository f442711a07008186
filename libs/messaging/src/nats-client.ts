import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import type { Subjects } from '@app/contracts';
import { subjectsOf, type MessagingOptions } from './messaging.options';
import { ensureStreams } from './streams';

/**
 * One NATS connection with its JetStream handles. The only place, with the rest of
 * `libs/messaging`, that touches the NATS client.
 */
export class NatsClient {
  private constructor(
    readonly connection: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly subjects: Subjects,
    readonly options: MessagingOptions,
  ) {}

  /** Connects, and creates or updates the streams so that every app may boot first. */
  static async connect(options: MessagingOptions, connectionName: string): Promise<NatsClient> {
    const connection = await connect({
      servers: options.natsUrl.split(',').map((server) => server.trim()),
      name: connectionName,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
    });
    const jsm = await jetstreamManager(connection);
    const subjects = subjectsOf(options);
    await ensureStreams(jsm, subjects, options);
    return new NatsClient(connection, jetstream(connection), jsm, subjects, options);
  }

  get isConnected(): boolean {
    return !this.connection.isClosed() && this.connection.info !== undefined;
  }

  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    await this.connection.drain().catch(() => this.connection.close());
  }
}
