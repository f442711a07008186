import { Client } from 'pg';
import { connectTestClient, dropTestStreams, testMessagingOptions } from './nats';
import { startPrivateNats, startPrivatePostgres, type PrivatePostgres, type PrivateServer } from './private-servers';

describe('private servers for fault tests', () => {
  let nats: PrivateServer | undefined;
  let postgres: PrivatePostgres | undefined;

  afterAll(async () => {
    await nats?.destroy();
    await postgres?.destroy();
  }, 60_000);

  it('given a private nats-server with a stored event, when it is killed and started again, then the event is still there', async () => {
    nats = await startPrivateNats();
    const options = testMessagingOptions('private', nats.url);
    const before = await connectTestClient(options);
    await before.js.publish(`${options.subjectRoot}.evt.task.t1`, '{}');
    await before.close();

    await nats.stop('SIGKILL');
    expect(nats.running).toBe(false);
    await nats.start();

    const after = await connectTestClient(options);
    const info = await after.jsm.streams.info(after.subjects.eventsStream);
    expect(info.state.messages).toBe(1);
    await dropTestStreams(after);
  }, 60_000);

  it('given a private postgres with a row, when it is stopped immediately and started again, then the row is still there', async () => {
    postgres = await startPrivatePostgres();
    const query = async (sql: string) => {
      const client = new Client({ connectionString: postgres?.adminUrl });
      await client.connect();
      try {
        return (await client.query<{ n: number }>(sql)).rows;
      } finally {
        await client.end();
      }
    };
    await query('CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)');
    await postgres.stop('SIGKILL');
    await expect(query('SELECT 1')).rejects.toThrow();
    await postgres.start();
    expect(await query('SELECT n FROM kept')).toEqual([{ n: 42 }]);
  }, 60_000);
});
