import { io } from 'socket.io-client';
import { BOARD_NAMESPACE } from '@app/contracts';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway';
import { useSuite } from '../../../../test/support/suite';

const FOREIGN = 'http://evil.example';
const TASK_ID = '01a20c27-0000-7000-8000-000000000002';

describe('the browser side: a page of another origin cannot drive the board', () => {
  let gateway: TestGateway;
  /** the same gateway with CORS_ORIGINS=https://board.example */
  let listedUrl: string;

  useSuite(async (keep) => {
    gateway = keep(await startTestGateway());
    listedUrl = (await gateway.another({ corsOrigins: ['https://board.example'] })).baseUrl;
  });

  const post = async (baseUrl: string, path: string, headers: Record<string, string>, body: string | undefined) => {
    const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const taskTitles = async () => ((await (await fetch(`${gateway.baseUrl}/api/tasks`)).json()) as { items: Array<{ title: string }> }).items.map((task) => task.title);

  it('given a form POST from a foreign page, then it answers 403 naming the origin and creates nothing', async () => {
    const answer = await post(gateway.baseUrl, '/api/tasks', { origin: FOREIGN, 'content-type': 'application/x-www-form-urlencoded' }, 'title=forged');
    expect(answer).toEqual({
      status: 403,
      body: {
        statusCode: 403,
        error: 'Forbidden',
        message: `requests from origin ${FOREIGN} are refused (not this gateway's origin nor in CORS_ORIGINS)`,
        fields: [{ field: 'origin', problem: `${FOREIGN} is not allowed` }],
      },
    });
    expect(await taskTitles()).not.toContain('forged');
  });

  it('given a cancel from a foreign page with a JSON body (as fetch would send after a preflight), then 403 too', async () => {
    expect((await post(gateway.baseUrl, `/api/orchestrator/cancel/${TASK_ID}`, { origin: FOREIGN, 'content-type': 'application/json' }, '{}')).status).toBe(403);
  });

  it.each([
    ['application/x-www-form-urlencoded', 'title=forged-form'],
    ['text/plain', '{"title":"forged-text"}'],
    ['multipart/form-data; boundary=b', '--b\r\nContent-Disposition: form-data; name="title"\r\n\r\nforged-multipart\r\n--b--\r\n'],
  ])('given a %s body without an Origin, then 415 names content-type and nothing is created', async (contentType, body) => {
    const answer = await post(gateway.baseUrl, '/api/tasks', { 'content-type': contentType }, body);
    expect(answer).toMatchObject({ status: 415, body: { error: 'Unsupported Media Type', fields: [{ field: 'content-type', problem: `${contentType} is refused; send application/json` }] } });
    expect((await taskTitles()).filter((title) => title.startsWith('forged'))).toEqual([]);
  });

  it('given the gateway\'s own origin, or an origin in CORS_ORIGINS, then a JSON POST is served', async () => {
    const own = await post(gateway.baseUrl, '/api/tasks', { origin: gateway.baseUrl, 'content-type': 'application/json' }, JSON.stringify({ title: 'from the board' }));
    expect(own.status).toBe(201);
    const listed = await post(listedUrl, '/api/tasks', { origin: 'https://board.example', 'content-type': 'application/json' }, JSON.stringify({ title: 'from a listed origin' }));
    expect(listed.status).toBe(201);
    expect((await post(listedUrl, '/api/tasks', { origin: FOREIGN, 'content-type': 'application/json' }, '{"title":"x"}')).status).toBe(403);
  });

  it('given a socket handshake from a foreign page, then it answers 403; the gateway\'s own origin is served', async () => {
    const handshake = (origin: string) => fetch(`${gateway.baseUrl}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    expect((await handshake(FOREIGN)).status).toBe(403);
    expect((await handshake(gateway.baseUrl)).status).toBe(200);

    const refusal = await new Promise<string>((resolve, reject) => {
      const socket = io(`${gateway.baseUrl}${BOARD_NAMESPACE}`, { transports: ['websocket'], extraHeaders: { origin: FOREIGN }, reconnection: false });
      socket.once('connect', () => {
        socket.close();
        reject(new Error('a foreign page connected'));
      });
      socket.once('connect_error', (error) => {
        socket.close();
        resolve(error.message);
      });
    });
    expect(refusal).toBe('websocket error');
  });
});
