import { deterministicId, newMessage, type SchedulerEvent } from '@app/contracts';
import type { OrchestrationRules } from '../../apps/orchestrator/src/domain/orchestration.config';
import { decideAdmission, decideRelease } from '../../apps/orchestrator/src/domain/scheduler.decider';
import { evolveScheduler, initialSchedulerState, type SchedulerState } from '../../apps/orchestrator/src/domain/scheduler.state';
import { evolveTask, initialTaskState } from '../../apps/orchestrator/src/domain/task.state';
import { distribution, type Distribution } from '../stats';

export interface SchedulerFigures {
  queued: number;
  projects: number;
  history: number;
  /** a running task ends: its release and the next admission decided, ms */
  releaseAfterHistory: Distribution;
  releaseWithoutHistory: Distribution;
  /** a new start decided (queued behind the others), ms */
  start: Distribution;
  /** folding one admission into the state, ms */
  evolve: Distribution;
  /** entries the state holds (running + queued) and its snapshot's size */
  stateEntries: number;
  snapshotBytes: number;
}

const rules: OrchestrationRules = {
  enabled: true,
  maxConcurrent: 200,
  priorityAgingS: 300,
  maxRetries: 2,
  maxRework: 2,
  stageTimeoutS: { specification: 1800, implementation: 3600, qa: 1800 },
  leaseTtlS: 120,
  retryBackoffBaseMs: 2_000,
  retryBackoffMaxMs: 60_000,
  parkBackoffBaseMs: 60_000,
  parkBackoffMaxMs: 1_800_000,
  credential: 'default',
  taskBudgetUsd: null,
  stageBudgetUsd: null,
  dailyBudgetUsd: null,
};
const T0 = Date.parse('2026-12-01T08:00:00.000Z');
const origin = (n: number) => ({ producer: 'bench', occurredAt: new Date(T0 + n * 100).toISOString(), id: deterministicId('bench-scheduler', n) });
const task = (n: number) => deterministicId('bench-task', n);
const project = (n: number) => deterministicId('bench-project', n % 100);

/**
 * The scheduler's decision over a big queue, in process (the pure decider and fold, no
 * NATS): `queued` tasks across 100 projects (limits 1–5, priorities 0–9, one in ten waiting
 * for a blocker) and the global limit's worth running, decided once with no history behind
 * it and once after `history` tasks went through queue → admission → release. The state
 * holds only open work, so the two must match.
 */
export function measureScheduler(queued: number, history: number, rounds: number): SchedulerFigures {
  let sequence = 0;
  const fold = (state: SchedulerState, event: SchedulerEvent) => evolveScheduler(state, event);
  const queue = (state: SchedulerState, n: number, waitingOn: string[] = []) =>
    fold(
      state,
      newMessage('OrchestrationQueued', 'scheduler', { taskId: task(n), orchestrationId: task(n), position: 1, priority: n % 10, projectId: project(n), projectMaxConcurrent: 1 + (n % 5), ...(waitingOn.length > 0 ? { waitingOn } : {}) }, origin(sequence++)),
    );
  const build = (withHistory: number): SchedulerState => {
    let state = initialSchedulerState;
    for (let n = 0; n < withHistory; n += 1) {
      const id = 10_000_000 + n;
      state = fold(state, newMessage('OrchestrationAdmitted', 'scheduler', { taskId: task(id), orchestrationId: task(id), projectId: project(id) }, origin(sequence++)));
      state = fold(state, newMessage('OrchestrationReleased', 'scheduler', { taskId: task(id), orchestrationId: task(id), outcome: 'completed' }, origin(sequence++)));
    }
    for (let n = 0; n < rules.maxConcurrent; n += 1) {
      state = fold(state, newMessage('OrchestrationAdmitted', 'scheduler', { taskId: task(n), orchestrationId: task(n), projectId: project(n) }, origin(sequence++)));
    }
    for (let n = rules.maxConcurrent; n < rules.maxConcurrent + queued; n += 1) state = queue(state, n, n % 10 === 0 ? [task(n - 1)] : []);
    return state;
  };
  const fresh = build(0);
  const aged = build(history);
  // a minute after the last event folded in
  const now = new Date(T0 + sequence * 100 + 60_000);
  const timeReleases = (state: SchedulerState): Distribution => {
    const samples: number[] = [];
    for (let round = 0; round < rounds; round += 1) {
      const ending = round % rules.maxConcurrent;
      const end = newMessage('OrchestrationCompleted', task(ending), { taskId: task(ending), orchestrationId: task(ending), completedAt: now.toISOString() }, origin(sequence++));
      const startedEvent = newMessage('OrchestrationStarted', task(ending), { taskId: task(ending), orchestrationId: task(ending) }, origin(sequence++));
      const ended = [startedEvent, end].reduce(evolveTask, initialTaskState(task(ending)));
      const started = process.hrtime.bigint();
      const drafts = decideRelease(end, ended, state, rules, now);
      samples.push(Number(process.hrtime.bigint() - started) / 1e6);
      if (drafts.length === 0) throw new Error('the bench scheduler decided nothing on a release');
    }
    return distribution(samples);
  };

  const releaseWithoutHistory = timeReleases(fresh);
  const releaseAfterHistory = timeReleases(aged);
  const startSamples: number[] = [];
  const evolveSamples: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const n = 20_000_000 + round;
    const request = { taskId: task(n), orchestrationId: task(n), queue: { priority: round % 10, projectId: project(n), projectMaxConcurrent: 3, waitingOn: [] } };
    let started = process.hrtime.bigint();
    decideAdmission(request, aged, rules, now);
    startSamples.push(Number(process.hrtime.bigint() - started) / 1e6);
    const admitted = newMessage('OrchestrationAdmitted', 'scheduler', { taskId: task(rules.maxConcurrent + round), orchestrationId: task(rules.maxConcurrent + round) }, origin(sequence++));
    started = process.hrtime.bigint();
    evolveScheduler(aged, admitted);
    evolveSamples.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return {
    queued,
    projects: 100,
    history,
    releaseAfterHistory,
    releaseWithoutHistory,
    start: distribution(startSamples),
    evolve: distribution(evolveSamples),
    stateEntries: aged.running.length + aged.queue.length,
    snapshotBytes: Buffer.byteLength(JSON.stringify(aged)),
  };
}
