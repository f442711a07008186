import path from 'node:path';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { checkFaultInvariants, checkedFigures, useFaultSystem } from './fault.support';

/** Fault 8: agents that exit non-zero, every time or only the first time, among healthy ones. */
describe('fault 8: an agent that exits non-zero', () => {
  const fault = useFaultSystem('orch-fault8-', (scratch) => ({
    poolSize: 3,
    rules: { maxConcurrent: 3, maxRetries: 2, retryBackoffBaseMs: 50, retryBackoffMaxMs: 200 },
    agentEnv: { FAKE_CLAUDE_LOG: path.join(scratch, 'fake.log'), FAKE_CLAUDE_STATE_DIR: path.join(scratch, 'state') },
  }));

  it('given crashing agents among healthy ones, then crashes are retried, the always-crashing tasks fail with the exit code, the rest complete, nothing is left', async () => {
    const { system, client, scratch } = fault;
    const api = new ApiClient(system.baseUrl);
    const started = Date.now();
    const crashing = await api.createAndStart(2, 'Crashes always', 'Crash [[fake:exit1]]');
    const flaky = await api.createAndStart(2, 'Crashes once', 'Crash once [[fake:slow=50,fail-times=1]]');
    const healthy = await api.createAndStart(2, 'Healthy', 'Work [[fake:slow=50]]');
    const taskIds = [...crashing, ...flaky, ...healthy];
    const ended = await allTerminal(client, taskIds, 60_000);

    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: 3, fakeClaudeLog: path.join(scratch, 'fake.log') });
    expect(report.violations).toEqual([]);

    const events = distinctEvents(await readEventLog(client));
    const outcomeOf = (taskId: string) => events.filter(({ event }) => event.aggregateId === taskId).map(({ event }) => event.type).filter((type) => type.startsWith('Orchestration') && /Completed|Failed/.test(type));
    for (const taskId of crashing) expect(outcomeOf(taskId)).toEqual(['OrchestrationFailed']);
    for (const taskId of [...flaky, ...healthy]) expect(outcomeOf(taskId)).toEqual(['OrchestrationCompleted']);
    const failures = events.flatMap(({ event }) => (event.type === 'StageFailed' ? [event.data] : []));
    // the always-crashing ones: the first run and two retries of the specification; the flaky ones: one crash per stage
    expect(failures.filter((failure) => crashing.includes(failure.taskId))).toHaveLength(2 * 3);
    expect(failures.filter((failure) => flaky.includes(failure.taskId))).toHaveLength(2 * 3);
    for (const failure of failures.filter((entry) => crashing.includes(entry.taskId))) {
      expect(failure).toMatchObject({ exitCode: 1, retryable: true });
      expect(failure.reason).toContain('fatal: simulated crash');
    }

    await recordFigures('fault-8-agent-exits-nonzero', {
      fault: 'agent exits non-zero (exit1 always ×2, fail-times=1 ×2, healthy ×2), limit 3, 2 retries',
      tasks: taskIds.length,
      outcomes: report.outcomes,
      stageFailures: failures.length,
      secondsToAllTerminal: (ended - started) / 1000,
      maxRunning: report.maxRunning,
      agentPidsCheckedGone: report.pidsChecked,
      ...checkedFigures(report),
    });
  }, 120_000);
});
