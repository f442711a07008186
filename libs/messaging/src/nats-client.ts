import { connect, errors } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamClient, JetStreamManager } from '@nats-io/jetstream';
import { failConfig } from '@app/config';
import { inboxPrefixOf, type Subjects } from '@app/contracts';
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

  /**
   * Connects as the app's own user, and creates the streams that are missing (the
   * orchestrator also brings existing ones up to date) so that every app may boot first.
   * Credentials the server refuses stop the boot with a ConfigError naming them.
   */
  static async connect(options: MessagingOptions, connectionName: string): Promise<NatsClient> {
    const { credentials } = options;
    const connection = await connect({
      servers: options.natsUrl.split(',').map((server) => server.trim()),
      name: connectionName,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      ...(credentials ? { user: credentials.user, pass: credentials.password, inboxPrefix: inboxPrefixOf(credentials.user) } : {}),
    }).catch((error: unknown) => {
      if (!(error instanceof errors.AuthorizationError)) throw error;
      return failConfig(
        credentials
          ? `NATS refused the credentials of user '${credentials.user}' (NATS_USER/NATS_PASSWORD): ${error.message}`
          : `NATS at ${options.natsUrl} requires credentials and none were given: set NATS_USER and NATS_PASSWORD (${error.message})`,
      );
    });
    try {
      const jsm = await jetstreamManager(connection);
      const subjects = subjectsOf(options);
      await ensureStreams(jsm, subjects, options);
      return new NatsClient(connection, jetstream(connection), jsm, subjects, options);
    } catch (error) {
      await connection.close();
      throw error;
    }
  }

  get isConnected(): boolean {
    return !this.connection.isClosed() && this.connection.info !== undefined;
  }

  async close(): Promise<void> {
    if (this.connection.isClosed()) return;
    await this.connection.drain().catch(() => this.connection.close());
  }
}
