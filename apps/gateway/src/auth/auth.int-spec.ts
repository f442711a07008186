import { BoardClient } from '@app/testing';
import { startTestGateway, type TestGateway } from '../../../../test/support/gateway';
import { useSuite } from '../../../../test/support/suite';

const TOKEN = 'a-long-test-token';
const TASK_ID = '01a20c27-0000-7000-8000-000000000001';

describe('the API token', () => {
  let gateway: TestGateway;
  /** the same gateway with API_READS_REQUIRE_TOKEN=true */
  let strictUrl: string;

  useSuite(async (keep) => {
    gateway = keep(await startTestGateway({ apiTokens: [{ name: 'default', token: TOKEN }] }));
    strictUrl = (await gateway.another({ apiTokens: [{ name: 'default', token: TOKEN }], readsRequireToken: true })).baseUrl;
  });

  const call = async (baseUrl: string, method: string, path: string, authorization?: string, body?: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(authorization === undefined ? {} : { authorization }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), challenge: response.headers.get('www-authenticate') };
  };

  it.each([
    ['POST', '/api/tasks', { title: 'x' }],
    ['DELETE', `/api/tasks/${TASK_ID}`, undefined],
    ['POST', '/api/orchestrator/start', { taskId: TASK_ID }],
    ['POST', `/api/orchestrator/cancel/${TASK_ID}`, undefined],
    ['POST', `/api/orchestrator/stage/${TASK_ID}/retry`, undefined],
  ])('given API_TOKEN, when %s %s comes without a token, then 401 names the Authorization header', async (method, path, body) => {
    const answer = await call(gateway.baseUrl, method, path, undefined, body);

    expect(answer).toEqual({
      status: 401,
      challenge: 'Bearer',
      body: {
        statusCode: 401,
        error: 'Unauthorized',
        message: 'authentication required: missing Authorization: Bearer <API_TOKEN> header',
        fields: [{ field: 'authorization', problem: 'missing Authorization: Bearer <API_TOKEN> header' }],
      },
    });
  });

  it.each([
    ['a wrong token', 'Bearer not-the-token', 'the token is not valid'],
    ['another scheme', `Basic ${TOKEN}`, 'the Authorization header must be "Bearer <API_TOKEN>"'],
  ])('given API_TOKEN, when a task is created with %s, then 401 says why', async (_what, authorization, problem) => {
    const answer = await call(gateway.baseUrl, 'POST', '/api/tasks', authorization, { title: 'x' });

    expect(answer).toMatchObject({ status: 401, body: { fields: [{ field: 'authorization', problem }] } });
  });

  it('given API_TOKEN, when a task is created with the token, then 201; reads need none unless API_READS_REQUIRE_TOKEN', async () => {
    const created = await call(gateway.baseUrl, 'POST', '/api/tasks', `Bearer ${TOKEN}`, { title: 'Authorised' });

    expect(created.status).toBe(201);
    expect((await call(gateway.baseUrl, 'GET', `/api/tasks/${created.body.id as string}`)).status).toBe(200);
    expect((await call(strictUrl, 'GET', `/api/tasks/${created.body.id as string}`)).status).toBe(401);
    expect((await call(strictUrl, 'GET', '/metrics')).status).toBe(401);
    expect((await call(strictUrl, 'GET', '/api/tasks', `Bearer ${TOKEN}`)).status).toBe(200);
  });

  it('given API_READS_REQUIRE_TOKEN, then the health check and the docs stay open', async () => {
    expect((await call(strictUrl, 'GET', '/health')).status).toBe(200);
    expect((await call(strictUrl, 'GET', '/api/docs/openapi.json')).status).toBe(200);
  });

  it.each([
    ['no token', undefined],
    ['a wrong token', 'not-the-token'],
  ])('given API_TOKEN, when a board socket connects with %s, then the handshake is refused with 401', async (_what, token) => {
    const refusal = BoardClient.connect({ baseUrl: gateway.baseUrl, board: true, ...(token === undefined ? {} : { token }) });

    await expect(refusal).rejects.toMatchObject({ message: 'unauthorized', data: { statusCode: 401, message: token === undefined ? 'missing token' : 'the token is not valid' } });
  });

  it('given API_TOKEN, when a board socket connects with it, then it subscribes', async () => {
    const client = await BoardClient.connect({ baseUrl: gateway.baseUrl, board: true, token: TOKEN });

    expect(client.connected).toBe(true);
    client.disconnect();
  });
});
