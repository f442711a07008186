import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { AggregateStore } from './aggregate-store';
import type { MessagingOptions } from './messaging.options';
import { NatsClient } from './nats-client';
import { MessagePublisher } from './publisher';
import { HeartbeatReader } from './heartbeat-reader';
import { QueuedCommands } from './queued-commands';
import { SubjectReader } from './subject-reader';

@Injectable()
class NatsClientShutdown implements OnApplicationShutdown {
  constructor(@Inject(NatsClient) private readonly client: NatsClient) {}

  async onApplicationShutdown(): Promise<void> {
    await this.client.close();
  }
}

/** NATS for an app's own writes and reads: the client, the publisher, the subject reader. */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingOptions, connectionName: string): DynamicModule {
    return {
      module: MessagingModule,
      providers: [
        { provide: NatsClient, useFactory: () => NatsClient.connect(options, connectionName) },
        MessagePublisher,
        SubjectReader,
        QueuedCommands,
        HeartbeatReader,
        AggregateStore,
        NatsClientShutdown,
      ],
      exports: [NatsClient, MessagePublisher, SubjectReader, QueuedCommands, HeartbeatReader, AggregateStore],
    };
  }
}
