import { connectTestClient, eventually, logFacts, messagingEnv, readEventLog, spawnApp, type AppProcess } from '@app/testing';
import { ApiClient } from '../../libs/testing/src/api-client';
import type { NatsClient } from '@app/messaging';
import { buildAppsOnce } from '../../libs/testing/src/build-once';
import { recordFigures } from '../../libs/testing/src/figures';
import { checkInvariants } from '../../test/support/invariants';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite } from '../support/suite';

/**
 * The orchestrator as real processes: SIGKILLed mid-run and started again, and two of
 * them at once. The pool-manager, runner and gateway run in this test process.
 */
describe('orchestrator processes: crash recovery and two instances', () => {
  let system: TestSystem;
  let client: NatsClient;
  const processes: AppProcess[] = [];

  useSuite(async (keep) => {
    await buildAppsOnce();
    system = keep(await startTestSystem({ orchestrator: false, poolSize: 3 }));
    client = keep(await connectTestClient(system.messaging));
    keep(async () => {
      for (const process of processes) await process.kill('SIGKILL');
    });
  }, 120_000);

  const orchestrator = (name: string) => {
    const app = spawnApp(
      'orchestrator',
      {
        ...messagingEnv(system.messaging, 'orchestrator'),
        ORCHESTRATOR_MAX_CONCURRENT: '2',
        ORCHESTRATOR_HEARTBEAT_TIMEOUT_S: '0',
        ORCHESTRATOR_RETRY_BACKOFF_BASE_MS: '100',
      },
      name,
    );
    processes.push(app);
    return app;
  };

  const api = async <T>(method: string, route: string, body?: unknown): Promise<T> => (await new ApiClient(system.baseUrl).request<T>(method, route, body)).body;
  const startTasks = async (count: number, prefix: string) => {
    const ids: string[] = [];
    for (let i = 0; i < count; i += 1) ids.push((await api<{ id: string }>('POST', '/api/tasks', { title: `${prefix} ${i}`, description: '[[fake:slow=60]]' })).id);
    for (const taskId of ids) await api('POST', '/api/orchestrator/start', { taskId });
    return ids;
  };
  const allDone = (taskIds: string[], timeoutMs: number) =>
    eventually(async () => {
      const statuses = await Promise.all(taskIds.map(async (taskId) => (await api<{ status: string }>('GET', `/api/tasks/${taskId}`)).status));
      return statuses.every((status) => status === 'done') ? statuses : undefined;
    }, timeoutMs, 'every task to be done');

  it('given tasks in flight, when the orchestrator is SIGKILLed and started again, then all finish, no attempt starts twice, the limit holds', async () => {
    const first = orchestrator('orchestrator-1');
    const taskIds = await startTasks(6, 'Crash');
    await eventually(async () => {
      const facts = logFacts(await readEventLog(client));
      return facts.startsPerAttempt.size >= 3 ? true : undefined;
    }, 30_000, 'some stages to have started');
    const killedAt = Date.now();
    await first.kill('SIGKILL');
    const second = orchestrator('orchestrator-2');
    await allDone(taskIds, 90_000);
    const doneAt = Date.now();
    const facts = logFacts(await readEventLog(client));
    expect(facts.maxRunning).toBeLessThanOrEqual(2);
    for (const [attempt, count] of facts.startsPerAttempt) expect([attempt, count]).toEqual([attempt, 1]);
    for (const [attempt, count] of facts.terminalsPerAttempt) expect([attempt, count]).toEqual([attempt, 1]);
    expect(second.output()).toMatch(/Recovered \d+ running and \d+ queued orchestrations from the log/);

    // fault 2 of RELIABILITY.md: the invariants of issue 9, and when the new instance first wrote to the log
    const report = await checkInvariants({
      client,
      taskIds,
      maxConcurrent: 2,
      readModel: { messaging: system.messaging, databaseUrl: system.database.url },
      processes: { workspacesDir: system.workspacesDir, fakeClaudeLog: null },
    });
    expect(report.violations).toEqual([]);
    const firstAfter = (await readEventLog(client)).find(({ event, storedAtMs }) => storedAtMs > killedAt && event.producer.startsWith('orchestrator'));
    await recordFigures('fault-2-orchestrator-sigkill', {
      fault: 'orchestrator process SIGKILLed with 6 tasks in flight (fake agent, slow=60), a new one started at once; limit 2',
      tasks: taskIds.length,
      outcomes: report.outcomes,
      msFromKillToFirstOrchestratorEvent: firstAfter ? Math.round(firstAfter.storedAtMs - killedAt) : null,
      secondsFromKillToAllDone: (doneAt - killedAt) / 1000,
      eventsChecked: report.eventsChecked,
      attemptsChecked: report.attemptsChecked,
      maxRunning: report.maxRunning,
      readModelRowsEqualToRebuild: report.readModelRows,
      violations: report.violations.length,
    });
    await second.kill('SIGTERM');
  }, 150_000);

  it('given two orchestrator processes over 10 tasks, then the limit of 2 holds and every task is done', async () => {
    const pair = [orchestrator('orchestrator-a'), orchestrator('orchestrator-b')];
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const taskIds = await startTasks(10, 'Pair');
    await allDone(taskIds, 120_000);
    const facts = logFacts(await readEventLog(client));
    expect(facts.maxRunning).toBeLessThanOrEqual(2);
    expect(facts.maxRunning).toBe(2);
    for (const [attempt, count] of facts.startsPerAttempt) expect([attempt, count]).toEqual([attempt, 1]);
    for (const app of pair) await app.kill('SIGTERM');
  }, 150_000);
});
