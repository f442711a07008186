import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { checkInvariants, distinctEvents } from '../../../test/support/invariants';
import { agentPids, livePids } from '../../../libs/testing/src/leftovers';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import { startTestSystem, type TestSystem } from '../../../test/support/system';

const STAGE_TIMEOUT_S = 2;

/** Fault 7: agents that hang after spawning a grandchild (one of them deaf to SIGTERM), and one that exits leaving its child behind. */
describe('fault 7: an agent that hangs, having spawned grandchildren', () => {
  let system: TestSystem;
  let client: NatsClient;
  let scratch: string;
  let fakeLog: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'orch-fault7-'));
    fakeLog = path.join(scratch, 'fake.log');
    system = await startTestSystem({
      poolSize: 3,
      rules: { maxConcurrent: 3, maxRetries: 1, retryBackoffBaseMs: 50, retryBackoffMaxMs: 200, stageTimeoutS: { specification: STAGE_TIMEOUT_S, implementation: 30, qa: 30 } },
      agentEnv: { FAKE_CLAUDE_LOG: fakeLog },
    });
    client = await connectTestClient(system.messaging);
  }, 60_000);

  afterAll(async () => {
    await client?.close();
    await system?.stop();
    await rm(scratch, { recursive: true, force: true });
  }, 60_000);

  it('given hanging agents with children, when their stage times out, then every attempt times out once, the task fails, and no agent or grandchild survives', async () => {
    const api = new ApiClient(system.baseUrl);
    const started = Date.now();
    const hanging = await api.createAndStart(2, 'Hangs', 'Hang [[fake:hang-with-child]]');
    const deaf = await api.createAndStart(1, 'Hangs deaf to SIGTERM', 'Hang [[fake:hang-with-child,ignore-sigterm]]');
    const orphaning = await api.createAndStart(1, 'Leaves a child', 'Orphan [[fake:orphan-child,slow=20]]');
    const healthy = await api.createAndStart(2, 'Healthy', 'Work [[fake:slow=50]]');
    const taskIds = [...hanging, ...deaf, ...orphaning, ...healthy];

    // while the hanging agents run, their grandchildren are alive
    const childrenSeen = await eventually(async () => {
      const pids = await agentPids(client, null);
      return pids.length >= 3 ? pids : undefined;
    }, 20_000, 'the fake agents to report their children');
    expect((await livePids(childrenSeen)).length).toBeGreaterThan(0);

    const ended = await allTerminal(client, taskIds, 60_000);
    const report = await checkInvariants({
      client,
      taskIds,
      maxConcurrent: 3,
      readModel: { messaging: system.messaging, databaseUrl: system.database.url },
      processes: { workspacesDir: system.workspacesDir, fakeClaudeLog: fakeLog },
    });
    expect(report.violations).toEqual([]);

    const events = distinctEvents(await readEventLog(client));
    const timedOut = events.flatMap(({ event }) => (event.type === 'StageTimedOut' ? [event.data] : []));
    const lateness = timedOut.map((entry) => Date.parse(entry.timedOutAt) - Date.parse(entry.deadlineAt));
    // two attempts (first run and one retry) for each hanging task, each timed out once
    expect(timedOut.map((entry) => entry.taskId).sort()).toEqual([...hanging, ...hanging, ...deaf, ...deaf].sort());
    expect(report.outcomes).toEqual({ OrchestrationFailed: 3, OrchestrationCompleted: 3 });

    await recordFigures('fault-7-agent-hangs-with-children', {
      fault: `agent hangs after spawning \`sleep 3600\` (×2, ×1 ignoring SIGTERM), one exits leaving its child, two healthy; stage timeout ${STAGE_TIMEOUT_S} s, 1 retry`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      stageTimeouts: timedOut.length,
      maxMsTimedOutAfterDeadline: Math.max(...lateness),
      secondsToAllTerminal: (ended - started) / 1000,
      msUntilNoProcessLeftAfterAllTerminal: report.processesGoneAfterMs,
      agentPidsCheckedGone: report.pidsChecked,
      eventsChecked: report.eventsChecked,
      attemptsChecked: report.attemptsChecked,
      readModelRowsEqualToRebuild: report.readModelRows,
      violations: report.violations.length,
    });
  }, 120_000);
});
