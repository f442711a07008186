import type { INestApplication } from '@nestjs/common';
import type { MessagingOptions } from '@app/messaging';
import { runMigrations } from '@app/persistence';
import { startGateway } from '../../apps/gateway/src/gateway.app';
import { NO_WEBHOOKS } from '../../apps/gateway/src/webhooks/webhooks.config';
import type { GatewayConfig } from '../../apps/gateway/src/gateway.config';
import { createTestDatabase, type TestDatabase } from '../../libs/testing/src/database';
import { connectTestClient, dropTestStreams, testMessagingOptions } from '../../libs/testing/src/nats';
import { asApp } from '../../libs/testing/src/nats-accounts';

export interface TestGateway {
  app: INestApplication;
  baseUrl: string;
  messaging: MessagingOptions;
  database: TestDatabase;
  /** another gateway on the same streams and database, with other settings */
  another(settings: Partial<Omit<GatewayConfig, 'messaging'>>): Promise<{ app: INestApplication; baseUrl: string }>;
  stop(): Promise<void>;
}

export interface TestGatewayOptions extends Partial<Omit<GatewayConfig, 'messaging'>> {
  /** the NATS server the gateway talks to, e.g. through a TcpProxy (streams are dropped through the real one) */
  natsUrl?: string;
}

/** A gateway's settings for tests: any free port on 127.0.0.1, no token, the defaults a test expects; `overrides` on top. */
export function testGatewayConfig(messaging: MessagingOptions, databaseUrl: string, overrides: Partial<Omit<GatewayConfig, 'messaging' | 'databaseUrl'>> = {}): GatewayConfig {
  return {
    messaging,
    port: 0,
    host: '127.0.0.1',
    databaseUrl,
    apiTokens: [],
    readsRequireToken: false,
    bodyLimitBytes: 64 * 1024,
    decisionWaitMs: 500,
    socketReplayLimit: 10_000,
    healthMaxLag: 10_000,
    healthStallS: 30,
    orchestratorEnabled: true,
    corsOrigins: [],
    webhooks: NO_WEBHOOKS,
    ...overrides,
  };
}

/**
 * The gateway alone, on streams and a database of its own, for its integration tests.
 * Imported by path, like system.ts: it loads the gateway app.
 */
export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const { natsUrl, ...settings } = options;
  const direct = testMessagingOptions('gateway');
  const messaging = natsUrl === undefined ? direct : { ...direct, natsUrl };
  const database = await createTestDatabase('gateway');
  await runMigrations(database.url);
  const apps: INestApplication[] = [];
  const start = async (overrides: Partial<GatewayConfig>) => {
    const app = await startGateway(testGatewayConfig(asApp(messaging, 'gateway'), database.url, overrides));
    apps.push(app);
    return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
  };
  const first = await start(settings);
  return {
    ...first,
    messaging,
    database,
    another: (overrides) => start({ ...settings, ...overrides }),
    async stop() {
      for (const app of apps.reverse()) await app.close();
      await dropTestStreams(await connectTestClient(direct));
      await database.drop();
    },
  };
}
