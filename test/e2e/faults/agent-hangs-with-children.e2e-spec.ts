import path from 'node:path';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { agentPids, livePids } from '../../../libs/testing/src/leftovers';
import { eventually } from '../../../libs/testing/src/nats';
import { checkFaultInvariants, checkedFigures, useFaultSystem } from './fault.support';

const STAGE_TIMEOUT_S = 2;

/** Fault 7: agents that hang after spawning a grandchild (one of them deaf to SIGTERM), and one that exits leaving its child behind. */
describe('fault 7: an agent that hangs, having spawned grandchildren', () => {
  const fault = useFaultSystem('orch-fault7-', (scratch) => ({
    poolSize: 3,
    rules: { maxConcurrent: 3, maxRetries: 1, retryBackoffBaseMs: 50, retryBackoffMaxMs: 200, stageTimeoutS: { specification: STAGE_TIMEOUT_S, implementation: 30, qa: 30 } },
    agentEnv: { FAKE_CLAUDE_LOG: path.join(scratch, 'fake.log') },
  }));

  it('given hanging agents with children, when their stage times out, then every attempt times out once, the task fails, and no agent or grandchild survives', async () => {
    const { system, client, scratch } = fault;
    const fakeLog = path.join(scratch, 'fake.log');
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
    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: 3, fakeClaudeLog: fakeLog });
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
      ...checkedFigures(report),
    });
  }, 120_000);
});
