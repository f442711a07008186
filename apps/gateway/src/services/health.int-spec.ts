import { Client } from 'pg';
import { eventually, startTcpProxy, type TcpProxy } from '@app/testing';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway';
import { useSuite } from '../../../../test/support/suite';

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

describe('the gateway while NATS or Postgres is down', () => {
  let proxy: TcpProxy;
  let gateway: TestGateway;

  useSuite(async (keep) => {
    const nats = new URL(process.env.NATS_URL ?? 'nats://127.0.0.1:4222');
    proxy = keep(await startTcpProxy(nats.hostname, Number(nats.port || 4222)));
    gateway = keep(await startTestGateway({ natsUrl: proxy.url('nats') }));
    keep(() => proxy?.restore().catch(() => undefined));
  });

  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${gateway.baseUrl}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const healthIs = (status: number) => eventually(async () => {
    const health = await call('GET', '/health');
    return health.status === status ? health : undefined;
  }, 20_000, `/health ${status}`);
  const admin = async (sql: string) => {
    const client = new Client({ connectionString: process.env.TEST_DATABASE_ADMIN_URL || 'postgres://postgres@127.0.0.1:5432/postgres' });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };

  it('given both up, then /health is 200', async () => {
    expect(await healthIs(200)).toMatchObject({ body: { status: 'ok', nats: 'up', postgres: 'up' } });
  });

  it('given NATS cut off, then /health and writes answer 503 naming NATS, reads still work, and all recovers when it is back', async () => {
    await proxy.cut();

    const health = await healthIs(503);
    const write = await call('POST', '/api/tasks', { title: 'While NATS is down' });
    const read = await call('GET', '/api/tasks');

    expect(health.body).toMatchObject({ statusCode: 503, status: 'degraded', nats: 'down', postgres: 'up', message: expect.stringContaining('nats: '), projection: { lag: null } });
    expect(write).toMatchObject({ status: 503, body: { statusCode: 503, error: 'Service Unavailable', message: expect.stringContaining('nats is unavailable') } });
    expect(read.status).toBe(200);

    await proxy.restore();

    expect(await healthIs(200)).toMatchObject({ body: { nats: 'up' } });
    expect((await call('POST', '/api/tasks', { title: 'After NATS is back' })).status).toBe(201);
  }, 60_000);

  it('given Postgres refusing the gateway, then /health and reads answer 503 naming Postgres, never 500, and all recovers when it is back', async () => {
    const name = gateway.database.name;
    await admin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS false`);
    await admin(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}'`);
    try {
      const health = await healthIs(503);
      const read = await call('GET', '/api/tasks');
      const metrics = await call('GET', '/api/metrics');

      expect(health.body).toMatchObject({ status: 'degraded', nats: 'up', postgres: 'down', message: expect.stringContaining('postgres: ') });
      expect(read).toMatchObject({ status: 503, body: { message: expect.stringContaining('postgres is unavailable') } });
      expect(metrics.status).toBe(503);
    } finally {
      await admin(`ALTER DATABASE "${name}" WITH ALLOW_CONNECTIONS true`);
    }

    expect(await healthIs(200)).toMatchObject({ body: { postgres: 'up' } });
    expect((await call('GET', '/api/tasks')).status).toBe(200);
  }, 60_000);
});
