import { readdir } from 'node:fs/promises';
import { APPS, api, rssMiB, type AppName, type BenchSystem } from './bench-system';
import { measureThroughput } from './measures/tasks';

export interface SoakSample {
  /** seconds since the steady load began */
  atS: number;
  rss: Record<AppName, number>;
  /** the gateway's heap in use (its /metrics), MiB; the other apps publish none */
  gatewayHeap: number;
  fds: Record<AppName, number>;
  /** durable and ordered consumers on ORCH_EVENTS, ORCH_COMMANDS, the heartbeats and ORCH_LOGS */
  consumers: number;
}

export interface SoakFigures {
  /** tasks/s of the short batch that set the load */
  maxTasksPerSecond: number;
  /** tasks/s started during the soak: half the maximum */
  rate: number;
  started: number;
  completedOrFailed: number;
  samples: SoakSample[];
}

/**
 * Steady load for `minutes`: a short batch measures the maximum throughput, then a task is
 * created and started every 1/(half of it) seconds; every `sampleS` seconds each app's RSS and
 * open file descriptors, the gateway's heap and the streams' consumers are read.
 */
export async function runSoak(system: BenchSystem, minutes: number, sampleS: number, calibrationTasks: number): Promise<SoakFigures> {
  const calibration = await measureThroughput(system, calibrationTasks);
  const rate = calibration.tasksPerSecond / 2;
  const samples: SoakSample[] = [];
  const began = performance.now();
  const endAt = began + minutes * 60_000;
  let started = 0;
  let settled = 0;
  const inFlight = new Set<Promise<void>>();
  const startOne = async (n: number): Promise<void> => {
    const { id } = await api<{ id: string }>(system.baseUrl, 'POST', '/api/tasks', { title: `Soak ${n}` });
    await api(system.baseUrl, 'POST', '/api/orchestrator/start', { taskId: id });
  };
  let nextSample = began;
  while (performance.now() < endAt) {
    const now = performance.now();
    if (now >= nextSample) {
      samples.push(await sample(system, (now - began) / 1000));
      nextSample += sampleS * 1000;
    }
    const due = Math.floor(((performance.now() - began) / 1000) * rate);
    while (started < due) {
      const task = startOne(started).finally(() => {
        settled += 1;
        inFlight.delete(task);
      });
      inFlight.add(task);
      started += 1;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await Promise.allSettled(inFlight);
  samples.push(await sample(system, (performance.now() - began) / 1000));
  return { maxTasksPerSecond: calibration.tasksPerSecond, rate, started, completedOrFailed: settled, samples };
}

async function sample(system: BenchSystem, atS: number): Promise<SoakSample> {
  const rss = Object.fromEntries(await Promise.all(APPS.map(async (app) => [app, await rssMiB(system.apps[app].child.pid)] as const))) as Record<AppName, number>;
  const fds = Object.fromEntries(await Promise.all(APPS.map(async (app) => [app, (await readdir(`/proc/${system.apps[app].child.pid ?? 0}/fd`).catch(() => [])).length] as const))) as Record<AppName, number>;
  const metrics = await (await fetch(`${system.baseUrl}/metrics`)).text();
  const gatewayHeap = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? Number.NaN) / 1024 ** 2;
  let consumers = 0;
  for (const stream of [system.client.subjects.eventsStream, system.client.subjects.commandsStream, system.client.subjects.heartbeatsStream, system.client.subjects.logsStream]) {
    consumers += (await system.client.jsm.streams.info(stream)).state.consumer_count;
  }
  return { atS, rss, gatewayHeap, fds, consumers };
}

/** Least-squares slope of `values` over `times` (per second), times 3,600: per hour. */
export function slopePerHour(times: readonly number[], values: readonly number[]): number {
  const n = times.length;
  if (n < 2) return Number.NaN;
  const meanT = times.reduce((a, b) => a + b, 0) / n;
  const meanV = values.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i += 1) {
    num += ((times[i] ?? 0) - meanT) * ((values[i] ?? 0) - meanV);
    den += ((times[i] ?? 0) - meanT) ** 2;
  }
  return den === 0 ? 0 : (num / den) * 3_600;
}
