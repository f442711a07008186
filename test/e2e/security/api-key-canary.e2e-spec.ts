import { randomBytes } from 'node:crypto';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { buildAppsOnce } from '../../../libs/testing/src/build-once';
import { recordFigures } from '../../../libs/testing/src/figures';
import { startProcessSystem, type ProcessSystem } from '../../../test/support/process-system';
import { databaseTexts, occurrences, secretNeedles, streamTexts } from '../../../libs/testing/src/secret-scan';

/** A unique API key: if it shows up anywhere, it leaked. */
const CANARY = `sk-ant-canary-${randomBytes(18).toString('hex')}`;

/** Security: the API key, set to a canary, through whole tasks whose agent prints it (plainly and base64): it must be stored nowhere. */
describe('security: the API key never leaves the runner', () => {
  let system: ProcessSystem;

  beforeAll(async () => {
    await buildAppsOnce();
    system = await startProcessSystem({ limit: 3, apiKey: CANARY, env: { LOG_LEVEL: 'debug', ORCHESTRATOR_MAX_RETRIES: '1' } });
  }, 240_000);

  afterAll(async () => {
    await system?.stop();
  }, 60_000);

  it('given an agent that prints its key, when tasks run to the end, then the key appears 0 times in the streams, the database, the API and the service logs, base64 included', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = [
      ...(await api.createAndStart(1, 'Prints its key', 'Work [[fake:print-key]]')),
      ...(await api.createAndStart(1, 'Prints its key encoded', 'Work [[fake:print-key-base64]]')),
      ...(await api.createAndStart(1, 'Prints its key and crashes', 'Work [[fake:print-key,exit1]]')),
      ...(await api.createAndStart(1, 'Plain', 'Work')),
    ];
    await allTerminal(system.client, taskIds, 90_000);
    // the projection has applied everything before the database is searched
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    const needles = secretNeedles(CANARY);
    const apiAnswers: Record<string, string> = {};
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
      check: 'CLAUDE_API_KEY set to a unique canary; agents print it in text, result, stderr and base64; searched: ORCH_EVENTS, ORCH_LOGS, ORCH_DLQ, ORCH_SNAPSHOTS, ORCH_COMMANDS leftovers, every table, the task and stage API answers, the four apps logs at debug',
      tasks: taskIds.length,
      formsSearched: needles.length,
      placesSearched: Object.values(sources).reduce((count, texts) => count + Object.keys(texts).length, 0),
      bytesSearched,
      occurrencesFound: Object.values(found).reduce((sum, count) => sum + count, 0),
      redactionsInAgentOutput: redactions,
    });
  }, 240_000);
});
