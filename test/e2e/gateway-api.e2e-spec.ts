import { eventually } from '@app/testing';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite } from '../support/suite';

interface Json {
  [key: string]: unknown;
}

interface Answer {
  status: number;
  body: Json;
  headers: Headers;
}

const UNKNOWN_ID = '01a20c27-0000-7000-8000-000000000000';

describe('the gateway REST API against the whole system', () => {
  let system: TestSystem;
  /** a task that was created and never started */
  let idleTaskId: string;

  useSuite(async (keep) => {
    system = keep(await startTestSystem({ gateway: { bodyLimitBytes: 16 * 1024, decisionWaitMs: 5_000 } }));
    idleTaskId = (await api('POST', '/api/tasks', { title: 'Idle task' })).body.id as string;
  });

  async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const raw = typeof body === 'string';
    const response = await fetch(`${system.baseUrl}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : raw ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Json), headers: response.headers };
  }
  const waitForStatus = (taskId: string, status: string) =>
    eventually(async () => ((await api('GET', `/api/tasks/${taskId}`)).body.status === status ? true : undefined), 60_000, `task ${taskId} ${status}`);

  describe('bad requests', () => {
    // [what, method, path, body (a string is sent as is), status, fields]
    const cases: Array<[string, string, string, unknown, number, Array<{ field: string; problem: string | RegExp }>]> = [
      ['a task without a title', 'POST', '/api/tasks', {}, 400, [{ field: 'title', problem: 'is required' }]],
      ['an empty title', 'POST', '/api/tasks', { title: '   ' }, 400, [{ field: 'title', problem: 'must not be empty' }]],
      ['a number for a title', 'POST', '/api/tasks', { title: 42 }, 400, [{ field: 'title', problem: 'must be a string' }]],
      ['a number for a description', 'POST', '/api/tasks', { title: 'x', description: 5 }, 400, [{ field: 'description', problem: 'must be a string' }]],
      ['a title over 200 characters', 'POST', '/api/tasks', { title: 'x'.repeat(201) }, 400, [{ field: 'title', problem: 'must be at most 200 characters' }]],
      ['an empty repository path', 'POST', '/api/tasks', { title: 'x', repoPath: '' }, 400, [{ field: 'repoPath', problem: 'must not be empty' }]],
      ['a NUL in a title', 'POST', '/api/tasks', { title: 'x\u0000y' }, 400, [{ field: 'title', problem: 'must not contain control characters (U+0000–U+001F, U+007F–U+009F)' }]],
      ['a line break in a title', 'POST', '/api/tasks', { title: 'x\ny' }, 400, [{ field: 'title', problem: /^must not contain control characters/ }]],
      ['a C1 control in a title', 'POST', '/api/tasks', { title: 'x\u0085y' }, 400, [{ field: 'title', problem: /^must not contain control characters/ }]],
      ['a lone surrogate in a title', 'POST', '/api/tasks', '{"title": "x\\ud800y"}', 400, [{ field: 'title', problem: 'must not contain lone surrogates (U+D800–U+DFFF without their pair)' }]],
      ['a NUL in a description', 'POST', '/api/tasks', { title: 'x', description: 'a\nb\u0000' }, 400, [{ field: 'description', problem: 'must not contain control characters other than line breaks and tabs' }]],
      ['a lone low surrogate in a description', 'POST', '/api/tasks', '{"title": "x", "description": "\\udc00"}', 400, [{ field: 'description', problem: /^must not contain lone surrogates/ }]],
      ['a relative repository path', 'POST', '/api/tasks', { title: 'x', repoPath: 'srv/repo' }, 400, [{ field: 'repoPath', problem: 'must be an absolute path (starting with "/")' }]],
      ['a base branch starting with "-"', 'POST', '/api/tasks', { title: 'x', baseBranch: '--upload-pack=evil' }, 400, [{ field: 'baseBranch', problem: 'must be a valid branch name: must not start with "-"' }]],
      ['a base branch with ".."', 'POST', '/api/tasks', { title: 'x', baseBranch: 'main..other' }, 400, [{ field: 'baseBranch', problem: 'must be a valid branch name: must not contain ".."' }]],
      ['a base branch with a control character', 'POST', '/api/tasks', { title: 'x', baseBranch: 'ma\u0001in' }, 400, [{ field: 'baseBranch', problem: 'must be a valid branch name: must not contain a control character (U+0001)' }]],
      ['a cancel reason with a NUL', 'POST', `/api/orchestrator/cancel/${UNKNOWN_ID}`, { reason: 'stop\u0000' }, 400, [{ field: 'reason', problem: /^must not contain control characters/ }]],
      ['an unknown field', 'POST', '/api/tasks', { title: 'x', colour: 'red' }, 400, [{ field: 'colour', problem: 'is not a known field' }]],
      ['malformed JSON', 'POST', '/api/tasks', '{"title": "x"', 400, [{ field: 'body', problem: /^malformed JSON/ }]],
      ['a JSON array for a body', 'POST', '/api/tasks', '[1, 2]', 400, [{ field: 'body', problem: /expected object/ }]],
      ['a body over the size limit', 'POST', '/api/tasks', { title: 'big', description: 'x'.repeat(17 * 1024) }, 413, [{ field: 'body', problem: 'must be at most 16384 bytes' }]],
      ['a task id that is not a UUID', 'GET', '/api/tasks/not-a-uuid', undefined, 400, [{ field: 'id', problem: 'must be a UUID' }]],
      ['an unknown task', 'GET', `/api/tasks/${UNKNOWN_ID}`, undefined, 404, [{ field: 'id', problem: 'no task with this id' }]],
      ['a page size of 0', 'GET', '/api/tasks?limit=0', undefined, 400, [{ field: 'limit', problem: 'must be at least 1' }]],
      ['a page size that is not a number', 'GET', '/api/tasks?limit=many', undefined, 400, [{ field: 'limit', problem: 'must be a number' }]],
      ['a negative offset', 'GET', '/api/tasks?offset=-1', undefined, 400, [{ field: 'offset', problem: 'must not be negative' }]],
      ['an unknown status filter', 'GET', '/api/tasks?status=sleeping', undefined, 400, [{ field: 'status', problem: /^must be one of created, queued/ }]],
      ['an unknown column filter', 'GET', '/api/tasks?column=backlog', undefined, 400, [{ field: 'column', problem: /^must be one of queued, specification/ }]],
      ['an empty search', 'GET', '/api/tasks?q=%20', undefined, 400, [{ field: 'q', problem: 'must not be empty' }]],
      ['a search over 200 characters', 'GET', `/api/tasks?q=${'x'.repeat(201)}`, undefined, 400, [{ field: 'q', problem: 'must be at most 200 characters' }]],
      ['a NUL in a search', 'GET', '/api/tasks?q=a%00', undefined, 400, [{ field: 'q', problem: /^must not contain control characters/ }]],
      ['a search given twice', 'GET', '/api/tasks?q=a&q=b', undefined, 400, [{ field: 'q', problem: 'must be a string' }]],
      ['a column count with an unknown parameter', 'GET', '/api/tasks/columns?column=qa', undefined, 400, [{ field: 'column', problem: 'is not a known field' }]],
      ['an unknown query parameter', 'GET', '/api/tasks?sort=title', undefined, 400, [{ field: 'sort', problem: 'is not a known field' }]],
      ['a start without a task id', 'POST', '/api/orchestrator/start', {}, 400, [{ field: 'taskId', problem: 'is required' }]],
      ['a start with a malformed task id', 'POST', '/api/orchestrator/start', { taskId: 'abc' }, 400, [{ field: 'taskId', problem: 'must be a UUID' }]],
      ['a start of an unknown task', 'POST', '/api/orchestrator/start', { taskId: UNKNOWN_ID }, 404, [{ field: 'taskId', problem: 'no task with this id' }]],
      ['the stages of a malformed task id', 'GET', '/api/orchestrator/stages/42', undefined, 400, [{ field: 'taskId', problem: 'must be a UUID' }]],
      ['the stages of an unknown task', 'GET', `/api/orchestrator/stages/${UNKNOWN_ID}`, undefined, 404, [{ field: 'taskId', problem: 'no task with this id' }]],
      ['an unknown stage', 'GET', `/api/orchestrator/stage/${UNKNOWN_ID}`, undefined, 404, [{ field: 'id', problem: 'no stage with this id' }]],
      ['a retry of an unknown stage', 'POST', `/api/orchestrator/stage/${UNKNOWN_ID}/retry`, undefined, 404, [{ field: 'id', problem: 'no stage with this id' }]],
      ['a cancel of an unknown task', 'POST', `/api/orchestrator/cancel/${UNKNOWN_ID}`, undefined, 404, [{ field: 'taskId', problem: 'no task with this id' }]],
      ['a cancel with a number for a reason', 'POST', `/api/orchestrator/cancel/${UNKNOWN_ID}`, { reason: 12 }, 400, [{ field: 'reason', problem: 'must be a string' }]],
      ['a delete of a malformed id', 'DELETE', '/api/tasks/%20', undefined, 400, [{ field: 'id', problem: 'must be a UUID' }]],
      ['a path that is no percent-encoding', 'GET', '/api/tasks/%', undefined, 400, [{ field: 'path', problem: 'is not valid percent-encoded UTF-8' }]],
      ['a path encoding a lone surrogate', 'GET', '/api/orchestrator/stage/%ED%A0%80', undefined, 400, [{ field: 'path', problem: 'is not valid percent-encoded UTF-8' }]],
      ['a delete of an unknown task', 'DELETE', `/api/tasks/${UNKNOWN_ID}`, undefined, 404, [{ field: 'id', problem: 'no task with this id' }]],
      ['an unknown route', 'GET', '/api/nowhere', undefined, 404, []],
    ];

    it.each(cases)('given %s, then %s %s answers its status with a JSON body naming the field', async (_what, method, path, body, status, fields) => {
      const answer = await api(method, path, body);

      expect(answer.status).toBe(status);
      expect(answer.headers.get('content-type')).toContain('application/json');
      expect(answer.body).toEqual({
        statusCode: status,
        error: expect.any(String),
        message: expect.any(String),
        fields: fields.map(({ field, problem }) => ({ field, problem: typeof problem === 'string' ? problem : expect.stringMatching(problem) })),
      });
    });

    it('given an idle task, when it is cancelled, then 409 with the orchestrator\'s reason: it is not running or queued', async () => {
      const answer = await api('POST', `/api/orchestrator/cancel/${idleTaskId}`);

      expect(answer).toMatchObject({ status: 409, body: { message: expect.stringContaining('is not running or queued'), fields: [{ field: 'taskId' }] } });
    });
  });

  describe('tasks', () => {
    it('given tasks, when listed by status and paged, then the page holds the newest first, the total and the checkpoint it was read at', async () => {
      const titles = ['Page A', 'Page B', 'Page C'];
      for (const title of titles) expect((await api('POST', '/api/tasks', { title, repoPath: '/srv/repo', baseBranch: 'main' })).status).toBe(201);

      const first = await api('GET', '/api/tasks?status=created&limit=2&offset=0');
      const second = await api('GET', '/api/tasks?status=created&limit=2&offset=2');

      expect(first.status).toBe(200);
      expect(first.body).toMatchObject({ limit: 2, offset: 0, total: expect.any(Number), seq: expect.any(Number) });
      const firstItems = first.body.items as Json[];
      expect(firstItems.map((task) => task.title)).toEqual(['Page C', 'Page B']);
      expect(firstItems[0]).toMatchObject({ status: 'created', repoPath: '/srv/repo', baseBranch: 'main', totalCostUsd: 0, queuePosition: null });
      expect((second.body.items as Json[])[0]?.title).toBe('Page A');
      expect(first.body.total).toBe(second.body.total);
    });

    it('given tasks, when searched by title within a column and paged, then the server filters, counts and pages them; a wildcard is taken literally', async () => {
      const word = `Needle${Date.now()}`;
      const titles = [`${word} one`, `A ${word.toLowerCase()} two`, `${word} 100% three`, `${word}_four`, 'Haystack'];
      for (const title of titles) expect((await api('POST', '/api/tasks', { title })).status).toBe(201);

      const first = await api('GET', `/api/tasks?column=queued&q=${encodeURIComponent(word)}&limit=3`);
      const second = await api('GET', `/api/tasks?column=queued&q=${encodeURIComponent(word)}&limit=3&offset=3`);
      const percent = await api('GET', `/api/tasks?q=${encodeURIComponent(`${word} 100%`)}`);
      const underscore = await api('GET', `/api/tasks?q=${encodeURIComponent(`${word}_`)}`);
      const done = await api('GET', `/api/tasks?column=done&q=${encodeURIComponent(word)}`);
      const counts = await api('GET', `/api/tasks/columns?q=${encodeURIComponent(word)}`);

      expect(first.body).toMatchObject({ total: 4, limit: 3, offset: 0 });
      expect([...(first.body.items as Json[]), ...(second.body.items as Json[])].map((task) => task.title)).toEqual([...titles.slice(0, 4)].reverse());
      expect((first.body.items as Json[])[0]).toMatchObject({ status: 'created', startedAt: null });
      expect((percent.body.items as Json[]).map((task) => task.title)).toEqual([`${word} 100% three`]);
      expect((underscore.body.items as Json[]).map((task) => task.title)).toEqual([`${word}_four`]);
      expect(done.body).toMatchObject({ total: 0, items: [] });
      expect(counts.status).toBe(200);
      expect(counts.body).toEqual({ columns: { queued: 4, specification: 0, implementation: 0, qa: 0, waiting: 0, done: 0, ended: 0 }, seq: expect.any(Number) });
    });

    it('given a created task, when it is deleted, then 204, it is gone, and a second delete is a 404', async () => {
      const taskId = (await api('POST', '/api/tasks', { title: 'Short-lived' })).body.id as string;

      const deleted = await api('DELETE', `/api/tasks/${taskId}`);

      expect(deleted.status).toBe(204);
      expect((await api('GET', `/api/tasks/${taskId}`)).status).toBe(404);
      expect((await api('DELETE', `/api/tasks/${taskId}`)).status).toBe(404);
    });
  });

  describe('orchestration commands', () => {
    it('given the limit of 2, when three slow tasks start, then two run and the third is queued at position 1; the queue shows it; a running one cannot be deleted; cancel frees them', async () => {
      const ids: string[] = [];
      for (const n of [1, 2, 3]) ids.push((await api('POST', '/api/tasks', { title: `Slow ${n}`, description: '[[fake:slow=400]]' })).body.id as string);

      const answers = [];
      for (const taskId of ids) answers.push(await api('POST', '/api/orchestrator/start', { taskId }));

      expect(answers.map((answer) => answer.status)).toEqual([202, 202, 202]);
      expect(answers.map((answer) => answer.body.status)).toEqual(['running', 'running', 'queued']);
      expect(answers[2]?.body).toMatchObject({ position: 1, currentStage: 'specification', taskId: ids[2] });
      const queue = await api('GET', '/api/orchestrator/queue');
      expect((queue.body.running as Json[]).map((entry) => entry.taskId).sort()).toEqual([ids[0], ids[1]].sort());
      expect(queue.body.queued).toEqual([expect.objectContaining({ taskId: ids[2], position: 1, status: 'queued' })]);
      const again = await api('POST', '/api/orchestrator/start', { taskId: ids[0] });
      expect(again).toMatchObject({ status: 409, body: { message: expect.stringContaining('already running') } });
      const deleteRunning = await api('DELETE', `/api/tasks/${ids[0]}`);
      expect(deleteRunning).toMatchObject({ status: 409, body: { message: expect.stringContaining('cancel it before deleting it') } });

      for (const taskId of [ids[2], ids[0], ids[1]]) {
        const cancelled = await api('POST', `/api/orchestrator/cancel/${taskId}`, { reason: 'test over' });
        expect(cancelled).toMatchObject({ status: 202, body: { taskId, status: expect.stringMatching(/^cancell(ed|ing)$/) } });
      }
      for (const taskId of ids) await waitForStatus(taskId as string, 'cancelled');
      expect((await api('GET', '/api/orchestrator/queue')).body).toMatchObject({ running: [], queued: [] });
    }, 90_000);

    it('given the same Idempotency-Key twice, then both starts answer the same orchestration', async () => {
      const taskId = (await api('POST', '/api/tasks', { title: 'Started twice' })).body.id as string;

      const first = await api('POST', '/api/orchestrator/start', { taskId }, { 'idempotency-key': 'click-1' });
      const second = await api('POST', '/api/orchestrator/start', { taskId }, { 'idempotency-key': 'click-1' });

      expect(first.status).toBe(202);
      expect(second).toMatchObject({ status: 202, body: { orchestrationId: first.body.orchestrationId } });
      await waitForStatus(taskId, 'done');
      const [firstStage] = (await api('GET', `/api/orchestrator/stages/${taskId}`)).body as unknown as Json[];
      const doneColumn = await api('GET', '/api/tasks?column=done&limit=200');
      expect((doneColumn.body.items as Json[]).find((task) => task.id === taskId)).toMatchObject({ status: 'done', startedAt: firstStage?.createdAt });
      expect((await api('GET', `/api/tasks/${taskId}`)).body).toMatchObject({ startedAt: firstStage?.createdAt });
    }, 60_000);

    it('given a completed stage, then a retry is a 409 with the reason; given a failed task, then its failed stage is retried', async () => {
      const done = (await api('POST', '/api/tasks', { title: 'Will pass' })).body.id as string;
      const failing = (await api('POST', '/api/tasks', { title: 'Will fail', description: '[[fake:exit1]]' })).body.id as string;
      await api('POST', '/api/orchestrator/start', { taskId: done });
      await api('POST', '/api/orchestrator/start', { taskId: failing });
      await waitForStatus(done, 'done');
      await waitForStatus(failing, 'failed');
      const [completedStage] = (await api('GET', `/api/orchestrator/stages/${done}`)).body as unknown as Json[];
      const [failedStage] = (await api('GET', `/api/orchestrator/stages/${failing}`)).body as unknown as Json[];

      const refused = await api('POST', `/api/orchestrator/stage/${completedStage?.id as string}/retry`);
      const retried = await api('POST', `/api/orchestrator/stage/${failedStage?.id as string}/retry`);

      expect(refused).toMatchObject({ status: 409, body: { message: expect.stringContaining('is completed; only a failed stage can be retried'), fields: [{ field: 'id' }] } });
      expect(retried).toMatchObject({ status: 202, body: { stageId: failedStage?.id, taskId: failing, status: expect.stringMatching(/^(running|queued|pending)$/) } });
      expect(failedStage).toMatchObject({ status: 'failed', stageType: 'specification', errorMessage: expect.any(String), attempt: 3 });
      await eventually(async () => {
        const [stage] = (await api('GET', `/api/orchestrator/stages/${failing}`)).body as unknown as Json[];
        return (stage?.attempt as number) > 3 ? stage : undefined;
      }, 30_000, 'a fourth attempt of the failed stage');
    }, 90_000);
  });

  describe('pool, metrics, health and docs', () => {
    it('given the local pool of 3, then /api/pool lists its slots with their ports and no lease', async () => {
      const pool = await api('GET', '/api/pool');

      expect(pool.status).toBe(200);
      expect(pool.body).toMatchObject({ total: 3, waiting: [] });
      expect((pool.body.slots as Json[]).map((slot) => [slot.slot, slot.port, slot.driver])).toEqual([
        [0, 18081, 'local'],
        [1, 18082, 'local'],
        [2, 18083, 'local'],
      ]);
    });

    it('given NATS and Postgres up, then /health is 200 with the projection caught up', async () => {
      // events may still be appended (a lease released after its task ended): the first answer without lag is checked
      const health = await eventually(async () => {
        const answer = await api('GET', '/health');
        return (answer.body.projection as Json).lag === 0 ? answer : undefined;
      }, 10_000, 'no lag');

      expect(health).toMatchObject({ status: 200, body: { status: 'ok', nats: 'up', postgres: 'up', projection: { lag: 0, stalled: null }, reasons: [] } });
    });

    it('given the docs, then /api/docs serves Swagger UI over an OpenAPI document of every route', async () => {
      const page = await fetch(`${system.baseUrl}/api/docs`);
      const asset = await fetch(`${system.baseUrl}/api/docs/assets/swagger-ui-bundle.js`);
      const document = (await api('GET', '/api/docs/openapi.json')).body;

      expect(page.status).toBe(200);
      expect(await page.text()).toContain('SwaggerUIBundle');
      expect(asset.status).toBe(200);
      expect(document.openapi).toBe('3.1.0');
      expect(Object.keys(document.paths as Json).sort()).toEqual(
        [
          '/api/tasks',
          '/api/tasks/columns',
          '/api/tasks/{id}',
          '/api/tasks/{id}/decisions',
          '/api/tasks/{id}/diff',
          '/api/tasks/{id}/budget',
          '/api/tasks/{id}/follow-ups',
          '/api/tasks/{id}/webhooks',
          '/api/orchestrator/start',
          '/api/orchestrator/cancel/{taskId}',
          '/api/orchestrator/queue',
          '/api/orchestrator/stages/{taskId}',
          '/api/orchestrator/stage/{id}',
          '/api/orchestrator/stage/{id}/retry',
          '/api/pool',
          '/api/projects',
          '/api/projects/{id}',
          '/api/metrics',
          '/metrics',
          '/health',
        ].sort(),
      );
      const schemas = (document.components as { schemas: Record<string, { properties?: Json; required?: string[] }> }).schemas;
      expect(schemas.CreateTaskRequest?.required).toEqual(['title']);
      expect(Object.keys(schemas.Stage?.properties ?? {})).toEqual(expect.arrayContaining(['stageContext', 'commandOutput', 'errorMessage', 'retryCount', 'containerId', 'costUsd', 'inputTokens']));
    });
  });
});
