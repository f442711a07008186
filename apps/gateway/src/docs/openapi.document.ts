import { z } from 'zod';
import { STAGE_TYPES, TASK_STATUSES } from '@app/contracts';
import { BOARD_COLUMNS } from '../services/board-columns';
import { requestSchemas, responseSchemas } from '../http/schemas/common.schemas';
import '../http/schemas/health.schemas';
import '../http/schemas/metrics.schemas';
import '../http/schemas/orchestrator.schemas';
import '../http/schemas/pool.schemas';
import '../http/schemas/project.schemas';
import '../http/schemas/review.schemas';
import '../http/schemas/stage.schemas';
import '../http/schemas/task.schemas';
import '../http/schemas/webhook.schemas';

type JsonObject = Record<string, unknown>;

interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  /** component name of the JSON body, and whether it may be left out */
  body?: { schema: string; optional?: boolean };
  params?: JsonObject[];
  /** status → component name of the JSON answer (`null`: no body) */
  responses: Record<number, string | null>;
  /** a mutating route: needs the bearer token when API_TOKEN is set */
  mutating?: boolean;
  public?: boolean;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const idParam = (name: string, what: string) => ({ name, in: 'path', required: true, description: `the ${what}'s id`, schema: { type: 'string', format: 'uuid' } });
const arrayOf = (name: string) => `${name}[]`;

const OPERATIONS: Operation[] = [
  { method: 'post', path: '/api/tasks', summary: 'Create a task (appends TaskCreated)', body: { schema: 'CreateTaskRequest' }, responses: { 201: 'Task', 400: 'Error', 413: 'Error' }, mutating: true },
  {
    method: 'get',
    path: '/api/tasks',
    summary: "List tasks, paged: newest first, or in a board column's order when filtered by column; the total that match",
    params: [
      { name: 'status', in: 'query', schema: { type: 'string', enum: [...TASK_STATUSES] } },
      { name: 'column', in: 'query', description: 'a board column: queued (not started or queued), a stage (running in it), waiting (for a person), done, ended (failed or cancelled)', schema: { type: 'string', enum: [...BOARD_COLUMNS] } },
      { name: 'q', in: 'query', description: 'text the title contains, any case', schema: { type: 'string', minLength: 1, maxLength: 200 } },
      { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 200, default: 50 } },
      { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0, default: 0 } },
    ],
    responses: { 200: 'TaskPage', 400: 'Error' },
  },
  {
    method: 'get',
    path: '/api/tasks/columns',
    summary: 'How many tasks each board column holds',
    params: [{ name: 'q', in: 'query', description: 'count only tasks whose title contains this text, any case', schema: { type: 'string', minLength: 1, maxLength: 200 } }],
    responses: { 200: 'TaskColumnCounts', 400: 'Error' },
  },
  { method: 'get', path: '/api/tasks/{id}', summary: 'Get a task', params: [idParam('id', 'task')], responses: { 200: 'Task', 400: 'Error', 404: 'Error' } },
  {
    method: 'patch',
    path: '/api/tasks/{id}',
    summary: 'Change the priority or blockers of a task not started yet (appends TaskQueueSettingsChanged); a cycle of blockers is a 400 naming it',
    params: [idParam('id', 'task')],
    body: { schema: 'UpdateTaskRequest' },
    responses: { 200: 'Task', 400: 'Error', 404: 'Error', 409: 'Error' },
    mutating: true,
  },
  {
    method: 'post',
    path: '/api/tasks/{id}/decisions',
    summary: "Decide on a waiting task's revision (waitingFor.revision): approve, request-changes (comments become the next round's findings) or reject; 409 when it does not wait or waits on another revision",
    params: [idParam('id', 'task')],
    body: { schema: 'DecisionRequest' },
    responses: { 202: 'DecisionReply', 400: 'Error', 404: 'Error', 409: 'Error' },
    mutating: true,
  },
  {
    method: 'post',
    path: '/api/tasks/{id}/follow-ups',
    summary: 'Ask a done or failed task for one more change: a new implementation round resuming its session, then QA (and its approval gate)',
    params: [idParam('id', 'task')],
    body: { schema: 'FollowUpRequest' },
    responses: { 202: 'FollowUpReply', 400: 'Error', 404: 'Error', 409: 'Error' },
    mutating: true,
  },
  { method: 'delete', path: '/api/tasks/{id}', summary: 'Delete a task that is not queued, running or waiting (appends TaskDeleted)', params: [idParam('id', 'task')], responses: { 204: null, 400: 'Error', 404: 'Error', 409: 'Error' }, mutating: true },
  {
    method: 'get',
    path: '/api/tasks/{id}/diff',
    summary: "The diff a stage's latest completed run made on the task's branch (recorded by the runner, at most 256 KiB)",
    params: [idParam('id', 'task'), { name: 'stage', in: 'query', schema: { type: 'string', enum: [...STAGE_TYPES], default: 'implementation' } }],
    responses: { 200: 'StageDiff', 400: 'Error', 404: 'Error' },
  },
  {
    method: 'post',
    path: '/api/tasks/{id}/budget',
    summary: "Raise a task's budget in US dollars (appends TaskBudgetRaised naming who and by how much); a task waiting for its budget goes on",
    params: [idParam('id', 'task')],
    body: { schema: 'RaiseBudgetRequest' },
    responses: { 202: null, 400: 'Error', 404: 'Error', 409: 'Error' },
    mutating: true,
  },
  { method: 'get', path: '/api/tasks/{id}/webhooks', summary: "The task's webhook deliveries (WEBHOOK_URLS): delivered, pending or failed, with their attempts", params: [idParam('id', 'task')], responses: { 200: arrayOf('WebhookDelivery'), 400: 'Error', 404: 'Error' } },
  { method: 'post', path: '/api/projects', summary: 'Create a project: a repository by URL, its credential by reference (appends ProjectCreated)', body: { schema: 'CreateProjectRequest' }, responses: { 201: 'Project', 400: 'Error', 413: 'Error' }, mutating: true },
  { method: 'get', path: '/api/projects', summary: 'List projects by name', responses: { 200: arrayOf('Project') } },
  { method: 'get', path: '/api/projects/{id}', summary: 'Get a project', params: [idParam('id', 'project')], responses: { 200: 'Project', 400: 'Error', 404: 'Error' } },
  { method: 'put', path: '/api/projects/{id}', summary: "Replace a project's settings (appends ProjectUpdated); tasks created before keep theirs", params: [idParam('id', 'project')], body: { schema: 'UpdateProjectRequest' }, responses: { 200: 'Project', 400: 'Error', 404: 'Error', 409: 'Error' }, mutating: true },
  { method: 'delete', path: '/api/projects/{id}', summary: 'Delete a project (appends ProjectDeleted); its tasks keep their repository settings', params: [idParam('id', 'project')], responses: { 204: null, 400: 'Error', 404: 'Error', 409: 'Error' }, mutating: true },
  {
    method: 'post',
    path: '/api/orchestrator/start',
    summary: "Start a task's orchestration; answers once the orchestrator admitted or queued it (or after a short wait, pending)",
    body: { schema: 'StartRequest' },
    params: [{ name: 'Idempotency-Key', in: 'header', description: 'the same key for the same task starts it once', schema: { type: 'string', maxLength: 200 } }],
    responses: { 202: 'StartReply', 400: 'Error', 404: 'Error', 409: 'Error' },
    mutating: true,
  },
  { method: 'post', path: '/api/orchestrator/cancel/{taskId}', summary: 'Cancel a queued or running orchestration', params: [idParam('taskId', 'task')], body: { schema: 'CancelRequest', optional: true }, responses: { 202: 'CancelReply', 400: 'Error', 404: 'Error', 409: 'Error' }, mutating: true },
  { method: 'get', path: '/api/orchestrator/queue', summary: 'The running orchestrations and the admission queue, in order', responses: { 200: 'Queue' } },
  { method: 'get', path: '/api/orchestrator/stages/{taskId}', summary: "A task's stage runs, in order", params: [idParam('taskId', 'task')], responses: { 200: arrayOf('Stage'), 400: 'Error', 404: 'Error' } },
  { method: 'get', path: '/api/orchestrator/stage/{id}', summary: 'A stage: context, output, error, retries, container, timestamps, cost, tokens', params: [idParam('id', 'stage')], responses: { 200: 'Stage', 400: 'Error', 404: 'Error' } },
  { method: 'post', path: '/api/orchestrator/stage/{id}/retry', summary: 'Run a failed stage again (its task failed or was cancelled)', params: [idParam('id', 'stage')], responses: { 202: 'RetryReply', 400: 'Error', 404: 'Error', 409: 'Error' }, mutating: true },
  { method: 'get', path: '/api/pool', summary: 'The pool: each slot, its lease, and the requests waiting for one', responses: { 200: 'Pool' } },
  { method: 'get', path: '/api/metrics', summary: "The seed's key metrics as JSON", responses: { 200: 'Metrics' } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics (text exposition format)', responses: { 200: null } },
  { method: 'get', path: '/health', summary: 'NATS, Postgres and the projection lag; 503 with the reasons while one is down', responses: { 200: 'Health', 503: 'Error' }, public: true },
];

const DESCRIPTIONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: the command was sent; the board follows the events',
  204: 'Done',
  400: 'Invalid input; `fields` names each field at fault',
  401: 'Missing or wrong bearer token',
  404: 'No such task, stage or project',
  409: 'Not possible in the current state; `message` says why',
  413: 'The body is larger than GATEWAY_BODY_LIMIT_BYTES',
  503: 'NATS or Postgres does not answer',
};

/** The OpenAPI 3.1 document, generated from the same zod schemas that validate the requests. */
export function openApiDocument(): JsonObject {
  const paths: Record<string, Record<string, JsonObject>> = {};
  for (const operation of OPERATIONS) {
    const responses: Record<string, JsonObject> = {};
    const statuses = { ...operation.responses, ...(operation.public ? {} : { 401: 'Error' }), ...(operation.responses[503] ? {} : { 503: 'Error' }) };
    for (const [status, schema] of Object.entries(statuses)) {
      responses[status] = {
        description: DESCRIPTIONS[Number(status)] ?? '',
        ...(schema === null ? {} : { content: { 'application/json': { schema: schema.endsWith('[]') ? { type: 'array', items: ref(schema.slice(0, -2)) } : ref(schema) } } }),
      };
    }
    paths[operation.path] = {
      ...paths[operation.path],
      [operation.method]: {
        summary: operation.summary,
        ...(operation.params ? { parameters: operation.params } : {}),
        ...(operation.body
          ? { requestBody: { required: !operation.body.optional, content: { 'application/json': { schema: ref(operation.body.schema) } } } }
          : {}),
        responses,
        ...(operation.mutating ? { security: [{ bearer: [] }] } : {}),
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Orchestrator Manager API',
      version: '1',
      description:
        'Tasks driven through specification → implementation → QA by the Claude Code CLI. Commands answer 202 and the board follows the events on the Socket.IO namespace /board. When API_TOKEN is set, mutating routes (and reads, with API_READS_REQUIRE_TOKEN) need `Authorization: Bearer <API_TOKEN>`.',
    },
    paths,
    components: {
      schemas: { ...componentSchemas(requestSchemas, 'input'), ...componentSchemas(responseSchemas, 'output') },
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
    },
  };
}

function componentSchemas(registry: typeof requestSchemas, io: 'input' | 'output'): Record<string, JsonObject> {
  const { schemas } = z.toJSONSchema(registry, { io, target: 'draft-2020-12', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, schema]) => {
      const { $schema: _schema, $id: _id, ...rest } = schema as JsonObject;
      return [id, rest];
    }),
  );
}
