import { randomBytes } from 'node:crypto';
import { startFakeGitHubApi, startFakeResponsesApi, startGitHttpServer, type FakeGitHubApi, type FakeResponsesApi, type GitHttpServer } from '@app/testing';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { recordFigures } from '../../../libs/testing/src/figures';
import { startProcessSystem, type ProcessSystem } from '../../../test/support/process-system';
import { databaseTexts, occurrences, secretNeedles, streamTexts } from '../../../libs/testing/src/secret-scan';
import { useSuite } from '../../support/suite';

/** A unique API key: if it shows up anywhere, it leaked. */
const CANARY = `sk-ant-canary-${randomBytes(18).toString('hex')}`;
/** A unique OpenAI key, handed to Codex, which runs every QA stage here (STAGE_EXECUTORS) against the fake Responses API. */
const OPENAI_CANARY = `sk-proj-canary-${randomBytes(18).toString('hex')}`;
/** A unique forge token (the git server's and the fake GitHub's), and a wrong one a second project names. */
const FORGE_CANARY = `ghp_canary${randomBytes(16).toString('hex')}`;
const WRONG_FORGE_CANARY = `ghp_wrong${randomBytes(16).toString('hex')}`;

/** Security: the API key, set to a canary, through whole tasks whose agent prints it (plainly and base64): it must be stored nowhere. */
describe('security: the API key never leaves the runner', () => {
  let system: ProcessSystem;
  let server: GitHttpServer;
  let github: FakeGitHubApi;
  let openai: FakeResponsesApi;

  useSuite(async (keep) => {
    openai = keep(await startFakeResponsesApi({ validKeys: [OPENAI_CANARY] }));
    await buildAppsOnce();
    server = keep(await startGitHttpServer({ token: FORGE_CANARY }));
    github = keep(await startFakeGitHubApi({ tokens: [FORGE_CANARY], repositories: ['acme/canary'] }));
    await server.createRepository('acme/canary');
    system = keep(await startProcessSystem({
      limit: 3,
      apiKey: CANARY,
      env: { LOG_LEVEL: 'debug', ORCHESTRATOR_MAX_RETRIES: '1', OPENAI_API_KEY: OPENAI_CANARY, OPENAI_BASE_URL: openai.url, STAGE_EXECUTORS: 'qa=codex:gpt-5', CANARY_FORGE_TOKEN: FORGE_CANARY, CANARY_WRONG_FORGE_TOKEN: WRONG_FORGE_CANARY, RUNNER_PR_POLL_S: '1' },
    }));
  }, 240_000);

  it('given an agent that prints its key, when tasks run to the end, then the key appears 0 times in the streams, the database, the API and the service logs, base64 included', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = [
      ...(await api.createAndStart(1, 'Prints its key', 'Work [[fake:print-key]]')),
      ...(await api.createAndStart(1, 'Prints its key encoded', 'Work [[fake:print-key-base64]]')),
      ...(await api.createAndStart(1, 'Prints its key and crashes', 'Work [[fake:print-key,exit1]]')),
      ...(await api.createAndStart(1, 'Plain', 'Work')),
    ];
    // the forge token: a task of a project on a git server over HTTP that pushes and opens a pull request, and one whose token is wrong
    const project = (name: string, credentialRef: string) => ({ name, repositoryUrl: `${server.baseUrl}/acme/canary.git`, credentialRef, forge: { kind: 'github', apiBaseUrl: github.url } });
    for (const [name, ref] of [['Canary', 'env:CANARY_FORGE_TOKEN'], ['Canary, wrong token', 'env:CANARY_WRONG_FORGE_TOKEN']] as const) {
      const projectId = (await api.request<{ id: string }>('POST', '/api/projects', project(name, ref))).body.id;
      const taskId = await api.createTask(`Pushes with ${name}`, 'Work [[fake:write-file=src/canary.ts]]', { projectId });
      await api.start(taskId);
      taskIds.push(taskId);
    }
    await allTerminal(system.client, taskIds, 90_000);
    // the projection has applied everything before the database is searched
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    expect(github.pulls).toHaveLength(1); // the right token reached the forge
    expect(github.violations).toEqual([]);
    expect(openai.requests.some((request) => request.apiKey === OPENAI_CANARY && request.inputText.includes('[[fake:print-key]]'))).toBe(true); // Codex had the key, and was asked to print it
    const needles = [...secretNeedles(CANARY), ...secretNeedles(OPENAI_CANARY), ...secretNeedles(FORGE_CANARY), ...secretNeedles(WRONG_FORGE_CANARY)];
    const apiAnswers: Record<string, string> = { 'GET /api/projects': JSON.stringify((await api.request('GET', '/api/projects')).body) };
    for (const taskId of taskIds) {
      apiAnswers[`GET /api/tasks/${taskId}`] = JSON.stringify((await api.request('GET', `/api/tasks/${taskId}`)).body);
      apiAnswers[`GET /api/orchestrator/stages/${taskId}`] = JSON.stringify((await api.request('GET', `/api/orchestrator/stages/${taskId}`)).body);
    }
    const sources: Record<string, Record<string, string>> = {
      streams: await streamTexts(system.client),
      database: await databaseTexts(system.database.url),
      api: apiAnswers,
      serviceLogs: { 'all four apps': system.output() },
    };
    const found: Record<string, number> = {};
    let bytesSearched = 0;
    for (const [kind, texts] of Object.entries(sources)) {
      for (const [name, text] of Object.entries(texts)) {
        bytesSearched += Buffer.byteLength(text);
        const count = occurrences(text, needles);
        if (count > 0) found[`${kind}: ${name}`] = count;
      }
    }
    expect(found).toEqual({});

    // the canary did reach the agent, which printed it: what was stored in its place is the redaction
    const logs = sources.streams?.[system.client.subjects.logsStream] ?? '';
    const redactions = logs.split('[REDACTED]').length - 1;
    expect(redactions).toBeGreaterThan(0);

    await recordFigures('security-api-key-canary', {
      check: 'CLAUDE_API_KEY and OPENAI_API_KEY (Codex runs QA) set to unique canaries; agents print them in text, result, stderr and base64; a project forge token (right, and a wrong one) through a push and a pull request; searched: ORCH_EVENTS, ORCH_LOGS, ORCH_DLQ, ORCH_SNAPSHOTS, ORCH_COMMANDS leftovers, every table, the task and stage API answers, the four apps logs at debug',
      tasks: taskIds.length,
      formsSearched: needles.length,
      placesSearched: Object.values(sources).reduce((count, texts) => count + Object.keys(texts).length, 0),
      bytesSearched,
      occurrencesFound: Object.values(found).reduce((sum, count) => sum + count, 0),
      redactionsInAgentOutput: redactions,
    });
  }, 240_000);
});
