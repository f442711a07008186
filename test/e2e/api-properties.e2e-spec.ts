import fc from 'fast-check';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../libs/testing/src/api-client';
import { recordFigures } from '../../libs/testing/src/figures';
import { checkInvariants } from '../../test/support/invariants';
import { connectTestClient } from '../../libs/testing/src/nats';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite } from '../support/suite';

/** generated requests per route */
const RUNS_PER_ROUTE = 300;
/** milliseconds a request may take before it counts as a hang */
const HANG_MS = 10_000;
const MAX_CONCURRENT = 2;

interface Sent {
  method: string;
  path: string;
  body?: string;
  contentType?: string;
  idempotencyKey?: string;
}

interface Answered {
  status: number;
  body: unknown;
}

/** Any UTF-16 string: lone surrogates, NUL and every other control included. */
const codeUnits = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)), maxLength: 40 });
/** Text a person or an attacker might send, biased to the characters that broke things. */
const nastyText = fc.oneof(
  codeUnits,
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83d', '😀', '\u0085', '\u007f', '-x', '..', 'a..b', 'main', '/srv/repo', 'refs/heads/x', 'x'.repeat(300)),
);
const fieldValue = fc.oneof(nastyText, fc.jsonValue({ maxDepth: 2 }), fc.constant(null));
const taskBody = fc.record(
  { title: fieldValue, description: fieldValue, repoPath: fieldValue, baseBranch: fieldValue, reason: fieldValue, taskId: fieldValue },
  { requiredKeys: [] },
);
/** A body that is often valid, so the routes' happy paths are generated too. */
const plausibleTaskBody = fc.record(
  {
    title: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), nastyText),
    description: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 60 }), nastyText),
    repoPath: fc.oneof(fc.constant(null), fc.constantFrom('/srv/repo', 'srv/repo', '/tmp/a b', '/'), nastyText),
    baseBranch: fc.oneof(fc.constant(null), fc.constantFrom('main', 'feature/x', '-main', 'a..b', 'x.lock', 'HEAD', '@'), nastyText),
  },
  { requiredKeys: ['title'] },
);
/** A decision or a follow-up of a likely shape: known decisions, comments with or without file and line. */
const decisionBody = fc.record(
  {
    decision: fc.oneof(fc.constantFrom('approve', 'request-changes', 'reject'), fieldValue),
    revision: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 64, maxLength: 64 }), fieldValue),
    comments: fc.oneof(fc.array(fc.record({ body: fieldValue, file: fieldValue, line: fc.oneof(fc.integer(), fieldValue) }, { requiredKeys: [] }), { maxLength: 3 }), fieldValue),
    prompt: fieldValue,
  },
  { requiredKeys: [] },
);
/** A body as sent: JSON of a likely shape or of anything, or raw text that may not be JSON at all. */
const body = fc.oneof(
  taskBody.map((value) => JSON.stringify(value)),
  { arbitrary: plausibleTaskBody.map((value) => JSON.stringify(value)), weight: 4 },
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  codeUnits,
  fc.constantFrom('{"title": "x\\u0000"}', '{"title": "\\ud800"}', '{"title": "a", "title": "b"}', '{', 'null', '[]', '"x"', '{"__proto__": {"title": "x"}}'),
);
const contentType = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/json; charset=latin1', 'application/x-www-form-urlencoded');
/** A header value fetch accepts: tab, printable ASCII and Latin-1 bytes (C1 controls among them). */
const headerValue = fc.string({ unit: fc.integer({ min: 0x1f, max: 0xff }).filter((code) => code !== 0x7f).map((code) => String.fromCharCode(code === 0x1f ? 0x09 : code)), maxLength: 40 });

/** Percent-encodes every byte of the UTF-8 form but the unreserved characters (a lone surrogate goes as U+FFFD). */
function encodeSegment(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte)) ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
}

describe('the REST API under generated input (fast-check)', () => {
  let system: TestSystem;
  let client: NatsClient;
  let api: ApiClient;
  /** tasks that exist, so generated ids hit real rows too */
  let knownIds: string[] = [];
  const startedIds = new Set<string>();
  const statuses = new Map<number, number>();

  useSuite(async (keep) => {
    system = keep(await startTestSystem({ poolSize: 2, rules: { maxConcurrent: MAX_CONCURRENT } }));
    client = keep(await connectTestClient(system.messaging));
    api = new ApiClient(system.baseUrl);
    knownIds = [await api.createTask('Known 1', 'Work'), await api.createTask('Known 2', 'Work'), await api.createTask('Known 3', 'Work')];
  });

  const id = () => fc.oneof(fc.uuid().map(encodeSegment), fc.constantFrom(...knownIds), nastyText.map(encodeSegment), fc.constantFrom('%', '%ZZ', '%ED%A0%80', '%00', '%C0%AF', '%2e%2e', '%2F', '%FF%FE'));

  async function send(request: Sent): Promise<Answered> {
    const headers: Record<string, string> = {};
    if (request.body !== undefined) headers['content-type'] = request.contentType ?? 'application/json';
    if (request.idempotencyKey !== undefined) headers['idempotency-key'] = request.idempotencyKey;
    const response = await fetch(`${system.baseUrl}${request.path}`, { method: request.method, headers, body: request.body, signal: AbortSignal.timeout(HANG_MS) });
    const text = await response.text();
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // the Prometheus text and the docs page are no JSON
    }
    return { status: response.status, body: parsed };
  }

  /** Never a 5xx, never a hang; a 400 names at least one field. */
  async function holds(request: Sent): Promise<void> {
    const answer = await send(request);
    if (answer.status >= 500) throw new Error(`${request.method} ${request.path} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
    if (answer.status === 400) {
      const fields = (answer.body as { fields?: unknown[] }).fields;
      if (!Array.isArray(fields) || fields.length === 0) throw new Error(`${request.method} ${request.path} answered 400 naming no field: ${JSON.stringify(answer.body)}`);
    }
    if (request.method === 'POST' && request.path === '/api/orchestrator/start' && answer.status === 202) startedIds.add((answer.body as { taskId: string }).taskId);
  }

  const property = (requests: fc.Arbitrary<Sent>) => fc.assert(fc.asyncProperty(requests, holds), { numRuns: RUNS_PER_ROUTE });
  const withBody = (method: string, path: fc.Arbitrary<string>) =>
    fc.record({ path, body, contentType, idempotencyKey: fc.option(headerValue, { nil: undefined }) }).map((parts): Sent => ({ method, ...parts }));
  const withoutBody = (method: string, path: fc.Arbitrary<string>) => path.map((generated): Sent => ({ method, path: generated }));

  it('given generated bodies, when tasks are created, then never a 5xx or a hang', () => property(withBody('POST', fc.constant('/api/tasks'))), 120_000);

  it('given generated queries, when tasks are listed, then never a 5xx or a hang', () => {
    const query = fc.oneof(
      fc.dictionary(nastyText, nastyText, { maxKeys: 4 }).map((params) => new URLSearchParams(params).toString()),
      fc.constantFrom('limit=%ZZ', 'limit=1&limit=2', 'status[]=queued', 'status[a]=b', 'offset=1e400', 'limit=0x10', 'status=%00', '%', '&&&', 'limit=9007199254740993', 'q=%00', 'q=%5C', 'q=%ED%A0%80', 'column=qa&q=100%25_', 'column=%00', 'q=' + 'x'.repeat(300)),
    );
    return property(withoutBody('GET', query.map((text) => `/api/tasks?${text}`)));
  }, 120_000);

  it('given generated bodies and keys, when orchestrations are started, then never a 5xx or a hang', () => {
    const startBody = fc.oneof(body, id().map((taskId) => JSON.stringify({ taskId: decodeURIComponentOr(taskId) })));
    return property(fc.record({ body: startBody, contentType, idempotencyKey: fc.option(headerValue, { nil: undefined }) }).map((parts): Sent => ({ method: 'POST', path: '/api/orchestrator/start', ...parts })));
  }, 120_000);

  it('given generated ids and bodies, when tasks are cancelled and stages read or retried, then never a 5xx or a hang', async () => {
    await property(withBody('POST', id().map((taskId) => `/api/orchestrator/cancel/${taskId}`)));
    await property(withoutBody('GET', id().map((taskId) => `/api/orchestrator/stages/${taskId}`)));
    await property(withoutBody('GET', id().map((stageId) => `/api/orchestrator/stage/${stageId}`)));
    await property(withBody('POST', id().map((stageId) => `/api/orchestrator/stage/${stageId}/retry`)));
  }, 180_000);

  it('given generated ids and bodies, when decisions and follow-ups are posted, then never a 5xx or a hang', async () => {
    for (const route of ['decisions', 'follow-ups']) {
      const path = id().map((taskId) => `/api/tasks/${taskId}/${route}`);
      await property(fc.record({ path, body: fc.oneof(body, decisionBody.map((value) => JSON.stringify(value))), contentType }).map((parts): Sent => ({ method: 'POST', ...parts })));
    }
  }, 120_000);

  it('given generated ids, when a task is read or deleted, then never a 5xx or a hang', async () => {
    await property(withoutBody('GET', id().map((taskId) => `/api/tasks/${taskId}`)));
    await property(withoutBody('DELETE', id().map((taskId) => `/api/tasks/${taskId}`)));
  }, 120_000);

  it('given generated query strings, when the read-only routes are called, then never a 5xx or a hang', async () => {
    for (const route of ['/api/orchestrator/queue', '/api/pool', '/api/metrics', '/health', '/metrics', '/api/docs/openapi.json']) {
      await property(withoutBody('GET', nastyText.map((query) => `${route}?${encodeSegment(query)}`)));
    }
  }, 120_000);

  it('given all that, then the read model is at the end of the log, equal to a rebuild, and a normal task runs to done', async () => {
    const normal = await api.createAndStart(1, 'After the generated input', 'Work');
    const taskIds = [...startedIds, ...normal];
    await allTerminal(client, taskIds, 90_000);

    const report = await checkInvariants({ client, taskIds, maxConcurrent: MAX_CONCURRENT, readModel: { messaging: system.messaging, databaseUrl: system.database.url } });

    expect(report.violations).toEqual([]);
    expect((await api.request('GET', `/api/tasks/${normal[0]}`)).body).toMatchObject({ status: 'done' });
    const sent = [...statuses.values()].reduce((sum, count) => sum + count, 0);
    await recordFigures('api-properties', {
      check: `fast-check: ${RUNS_PER_ROUTE} generated requests per route (arbitrary UTF-16 text with NUL, controls and lone surrogates; bodies, ids, queries, headers) on every REST route`,
      requests: sent,
      statuses: Object.fromEntries([...statuses].sort(([a], [b]) => a - b).map(([status, count]) => [String(status), count])),
      serverErrors: [...statuses].filter(([status]) => status >= 500).reduce((sum, [, count]) => sum + count, 0),
      tasksStartedByGeneratedInput: startedIds.size,
      eventsChecked: report.eventsChecked,
      readModelRowsEqualToRebuild: report.readModelRows,
      violations: report.violations.length,
    });
  }, 150_000);
});

/** The id a path segment stands for, as a body carries it. */
function decodeURIComponentOr(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
