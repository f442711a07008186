import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import { APPS, INSTANT_CLAUDE, rssMiB, startBenchSystem, type AppName } from './bench-system';
import { measureBigBoard } from './measures/board';
import { measureEventToBrowser } from './measures/browser';
import { measureFloor } from './measures/floor';
import { measureStartup, writeHistory } from './measures/history';
import { measureStreaming } from './measures/streaming';
import { measurePeers, type PeerFigures } from './measures/peers';
import { measureRebuild } from './measures/rebuild';
import { measureScheduler } from './measures/scheduler';
import { measureSingleTasks, measureThroughput } from './measures/tasks';
import { cpuTimes, pidsOf, totalCpu, type CpuTimes } from './cpu';
import { runSoak, slopePerHour, type SoakFigures } from './soak';
import { ms } from './stats';

const quick = process.argv.includes('--quick');
/** `--soak`: only the soak, BENCH_SOAK_MINUTES long (30 unless told), sampled every BENCH_SOAK_SAMPLE_S (30) */
const soak = process.argv.includes('--soak');
/** `--rebuild`: only the rebuild, over two real tasks and the full-size history written behind them */
const rebuildOnly = process.argv.includes('--rebuild');
/** `--profile`: each app writes a V8 CPU profile (.cpuprofile) to artifacts/profiles when it stops */
const profileDir = process.argv.includes('--profile') ? path.resolve(__dirname, '../../artifacts/profiles') : undefined;
const sizes = quick
  ? { floorRounds: 200, singleTasks: 10, batch: 100, settleMs: 3_000, socketRounds: 30, historyTasks: 200, idleTasks: 300, apiRounds: 10, paintLoads: 2, streamAgents: 10, streamSeconds: 3, schedulerQueued: 2_000, schedulerHistory: 10_000, schedulerRounds: 50 }
  : { floorRounds: 2_000, singleTasks: 50, batch: 500, settleMs: 20_000, socketRounds: 200, historyTasks: 5_000, idleTasks: 5_000, apiRounds: 50, paintLoads: 5, streamAgents: 50, streamSeconds: 30, schedulerQueued: 10_000, schedulerHistory: 100_000, schedulerRounds: 200 };
const LIMIT = 50;
/** lines a second each streaming agent writes */
const STREAM_LINES_PER_S = 500;

async function main(): Promise<void> {
  Logger.overrideLogger(['error']);
  if (soak) return soakMain();
  if (rebuildOnly) return rebuildMain();
  const startedAt = new Date();
  // the scheduler's decider alone, in this process, before anything else runs
  const scheduler = measureScheduler(sizes.schedulerQueued, sizes.schedulerHistory, sizes.schedulerRounds);
  // the job queues first, before our apps exist, each with the machine to itself
  const peers = await measurePeers({
    cliPath: INSTANT_CLAUDE,
    concurrency: LIMIT,
    singleTasks: sizes.singleTasks,
    batch: sizes.batch,
    redisUrl: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    databaseUrl: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
  });
  const system = await startBenchSystem({ limit: LIMIT, poolSize: LIMIT, profileDir });
  try {
    // memory at the start, after the batch, after the settling time, after a second batch
    const memory: MemorySample[] = [await sampleMemory(system)];
    const floor = await measureFloor(system.client, sizes.floorRounds);
    const single = await measureSingleTasks(system, sizes.singleTasks);
    const cpuBefore = await cpu(system.apps);
    const throughput = await measureThroughput(system, sizes.batch);
    const cpuAfter = await cpu(system.apps);
    const catchUpMs = await projectionCatchUp(system.baseUrl);
    memory.push(await sampleMemory(system));
    await new Promise((resolve) => setTimeout(resolve, sizes.settleMs));
    memory.push(await sampleMemory(system));
    // a second, smaller batch: memory that grows per task would grow again here
    const more = Math.round(sizes.batch / 2);
    await measureThroughput(system, more);
    await new Promise((resolve) => setTimeout(resolve, sizes.settleMs / 4));
    memory.push(await sampleMemory(system));
    const browser = await measureEventToBrowser(system, 10, sizes.socketRounds);
    const streaming = await measureStreaming(system, sizes.streamAgents, STREAM_LINES_PER_S, sizes.streamSeconds);
    // history: start-up over the log as the bench left it, then over months of it
    const startupBefore = await measureStartup(system);
    const history = await writeHistory(system, sizes.historyTasks, sizes.idleTasks);
    const startupAfter = await measureStartup(system);
    const board = await measureBigBoard(system, sizes.apiRounds, sizes.paintLoads);
    const rebuild = await measureRebuild(system);
    // the hand-written part of the report: where the time goes, what was done, what is left
    const analysis = await readFile(path.resolve(__dirname, '../../bench/analysis.md'), 'utf8');

    const rows: Array<[string, string, string]> = [
      ['JetStream floor: publish → durable consumer → ack', `p50 ${ms(floor.p50)} · p99 ${ms(floor.p99)} (n=${floor.count})`, '—'],
      [
        'Stage transition: StageCompleted stored → next StageStarted stored',
        `p50 ${ms(single.transition.p50)} · p99 ${ms(single.transition.p99)} (n=${single.transition.count}) · ${(single.transition.p50 / floor.p50).toFixed(1)}× the floor`,
        'p50 ≤ 10 ms, p99 ≤ 50 ms',
      ],
      ['Three-stage task, start request → done', `p50 ${ms(single.endToEnd.p50)} · p99 ${ms(single.endToEnd.p99)} (n=${single.endToEnd.count})`, 'p50 ≤ 100 ms'],
      [
        `Throughput: ${throughput.tasks} tasks, limit and pool ${LIMIT} (local driver)`,
        `${throughput.tasksPerSecond.toFixed(1)} tasks/s · ${throughput.eventsPerSecond.toFixed(0)} events/s (${throughput.seconds.toFixed(1)} s, at most ${throughput.maxRunning} running, ${throughput.failed} failed)`,
        '≥ 50 tasks/s',
      ],
      ['Projection behind the log when the batch ended: caught up after', `${catchUpMs.toFixed(0)} ms`, '—'],
      ['Event → browser: append to a socket.io-client task-update, 10 clients', `p50 ${ms(browser.p50)} · p99 ${ms(browser.p99)} (n=${browser.count})`, 'p50 ≤ 20 ms'],
      [
        `Many agents streaming: ${streaming.agents} specification stages at once, each agent writing ${streaming.linesPerSecond} lines/s for ${streaming.seconds} s: line written → one socket.io client watching every task`,
        `p50 ${ms(streaming.delivery.p50)} · p99 ${ms(streaming.delivery.p99)} (${streaming.received} of ${streaming.written} lines received)`,
        'p99 ≤ 250 ms',
      ],
      [
        'Many agents streaming: the slowest agent\'s own line rate · the runner\'s CPU per line · ORCH_LOGS afterwards',
        `${streaming.slowestAgentRate.toFixed(0)} lines/s · ${streaming.runnerCpuPerLineMs.toFixed(3)} ms · ${(streaming.logs.bytes / 1024 ** 2).toFixed(1)} MiB in ${streaming.logs.messages} batches (limit ${(streaming.logs.maxBytes / 1024 ** 2).toFixed(0)} MiB)`,
        '≥ 500 lines/s · — · within its limit',
      ],
      [
        `History written into ORCH_EVENTS: ${history.finishedTasks} finished tasks (copies of a real one) and ${history.idleTasks} never started`,
        `${history.events} events in ${history.writeSeconds.toFixed(1)} s (log now ${history.logEvents}); the live projection applied them ${history.projectedSeconds.toFixed(1)} s later`,
        '—',
      ],
      [
        `Start-up to the first new admission, orchestrator: log of ${startupBefore.logEvents} → ${startupAfter.logEvents} events`,
        `${ms(startupBefore.orchestratorMs)} → ${ms(startupAfter.orchestratorMs)} · RSS ${startupBefore.rss.orchestrator.toFixed(0)} → ${startupAfter.rss.orchestrator.toFixed(0)} MiB`,
        'flat in history size',
      ],
      [
        `Start-up to the first new lease, pool-manager: log of ${startupBefore.logEvents} → ${startupAfter.logEvents} events`,
        `${ms(startupBefore.poolManagerMs)} → ${ms(startupAfter.poolManagerMs)} · RSS ${startupBefore.rss['pool-manager'].toFixed(0)} → ${startupAfter.rss['pool-manager'].toFixed(0)} MiB`,
        'flat in history size',
      ],
      [`Big board, ${board.tasks} tasks: tasks API, a column's first page of 50 (each column in turn)`, `p50 ${ms(board.columnPage.p50)} · p99 ${ms(board.columnPage.p99)} (n=${board.columnPage.count})`, '—'],
      [`Big board: a title search over all tasks · a page deep in Done · the column counts`, `p50 ${ms(board.search.p50)} · p99 ${ms(board.search.p99)} · p50 ${ms(board.deepPage.p50)} · p99 ${ms(board.deepPage.p99)} · p50 ${ms(board.counts.p50)} · p99 ${ms(board.counts.p99)}`, '—'],
      [`Big board in Chromium: navigation → the Done column's first card visible (fresh page each time)`, `p50 ${ms(board.firstPaint.p50)} · max ${ms(board.firstPaint.max)} (n=${board.firstPaint.count}; ${board.cardsShown} cards rendered)`, '—'],
      [
        `Scheduler decision (the pure decider, in process): ${scheduler.queued.toLocaleString('en')} queued across ${scheduler.projects} projects (limits 1–5, priorities 0–9, 1 in 10 blocked), a running task ends → release + next admission`,
        `p50 ${ms(scheduler.releaseWithoutHistory.p50)} · p99 ${ms(scheduler.releaseWithoutHistory.p99)} with no history; p50 ${ms(scheduler.releaseAfterHistory.p50)} · p99 ${ms(scheduler.releaseAfterHistory.p99)} after ${scheduler.history.toLocaleString('en')} finished tasks (n=${scheduler.releaseAfterHistory.count})`,
        'flat in history size',
      ],
      [
        'Scheduler: a new start decided (queued by priority) · one admission folded in · the state (open work only) and its snapshot',
        `p50 ${ms(scheduler.start.p50)} · p99 ${ms(scheduler.start.p99)} · p50 ${ms(scheduler.evolve.p50)} · p99 ${ms(scheduler.evolve.p99)} · ${scheduler.stateEntries.toLocaleString('en')} entries, ${(scheduler.snapshotBytes / 1024 ** 2).toFixed(1)} MiB`,
        '—',
      ],
      ['Projection rebuild over the whole log (empty the read tables, replay from 1)', `${rebuild.eventsPerSecond.toFixed(0)} events/s (${rebuild.events} events in ${rebuild.seconds.toFixed(1)} s)`, '≥ 5,000 events/s'],
      ...APPS.map((app): [string, string, string] => [
        `RSS ${app}: start → after the batch → ${sizes.settleMs / 1000} s later → after ${more} more tasks`,
        `${memory.map((sample) => sample.rss[app].toFixed(0)).join(' → ')} MiB`,
        'returns',
      ]),
      [
        `Heap in use, gateway (its /metrics): start → after the batch → ${sizes.settleMs / 1000} s later → after ${more} more tasks`,
        `${memory.map((sample) => sample.gatewayHeap.toFixed(0)).join(' → ')} MiB`,
        'returns',
      ],
    ];
    const table = markdownTable(['measure', 'result', 'goal'], rows);
    const peersTable = markdownTable(['pipeline', 'three-stage task p50 · p99', `${throughput.tasks} tasks at concurrency ${LIMIT}`, 'ours against it'], peerRows(peers, single.endToEnd, throughput));
    const cpuTable = markdownTable(['process', 'CPU seconds', 'share of one core'], cpuUse(cpuBefore, cpuAfter, throughput.seconds));
    const stepsTable = markdownTable(
      ['event stored', 'after the previous (median)', 'who'],
      single.steps.map((step) => [step.step, ms(step.median), step.who]),
    );
    process.stdout.write(`\n${table}\n\nThe same pipeline on job queues:\n\n${peersTable}\n\nCPU during the ${throughput.tasks}-task batch:\n\n${cpuTable}\n\nOne task, step by step:\n\n${stepsTable}\n\n`);
    const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
    const report = [
      '# Benchmarks',
      '',
      `Measured ${startedAt.toISOString()} with \`npm run bench${quick ? ' -- --quick' : ''}\` on ${machine}, against the local`,
      'NATS JetStream server and PostgreSQL, the four apps as separate processes from `dist/`, and an agent CLI',
      'stand-in that answers at once (`bench/fixtures/instant-claude.sh`), so the figures are the system\'s own overhead.',
      '',
      table,
      '',
      `The same three-stage pipeline on the job queues users would pick instead, in the same run (before our apps were started):`,
      'each stage spawns the same agent stand-in with execa and passes its result on as the next stage\'s context; BullMQ on the',
      'local Redis (one queue, a worker with 50 slots, a stage adds the next; done on the worker\'s `completed` event for QA),',
      'pg-boss on the same Postgres (LISTEN/NOTIFY on, 50 local workers; done when the QA handler returns). Neither keeps a',
      'durable event log, leases, a read model or a live board. "Ours against it": latency as a multiple of the peer\'s',
      '(goal ≤ 2× BullMQ\'s), throughput as a share of the peer\'s (goal ≥ ½ of BullMQ\'s).',
      '',
      peersTable,
      '',
      'How each figure is taken: the floor publishes one message at a time to a file-backed stream and waits for a',
      'durable pull consumer to receive it and for the server to confirm its ack. Transitions are the difference of the',
      'server\'s own timestamps on the two events in ORCH_EVENTS. A task\'s end-to-end time runs from the HTTP start request',
      'to the OrchestrationCompleted event seen on NATS; the batch runs from its first start request until the last task\'s slot is released (OrchestrationReleased on the scheduler subject, watched instead of every task event). RSS is read from /proc; the gateway\'s heap from its /metrics.',
      '',
      `CPU used during the ${throughput.tasks}-task batch (${throughput.seconds.toFixed(1)} s; /proc/<pid>/stat, an app's children are the agent CLI and git`,
      'processes it ran; the servers are every process of that name):',
      '',
      cpuTable,
      '',
      `One three-stage task, step by step: the median time before each of its events is stored (${single.endToEnd.count} tasks run one at a time;`,
      'the first gap is counted from the HTTP start request; the first task, with cold caches, is left out):',
      '',
      stepsTable,
      '',
      analysis,
    ].join('\n');
    await writeFile(path.resolve(__dirname, '../../BENCHMARKS.md'), report);
    process.stdout.write(`wrote BENCHMARKS.md (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)\n`);
  } finally {
    await system.stop();
  }
}

/** The rebuild alone, over the log a full run replays (its history is the full run's size; `--quick` makes it the quick one's). */
async function rebuildMain(): Promise<void> {
  const system = await startBenchSystem({ limit: LIMIT, poolSize: LIMIT });
  try {
    await measureSingleTasks(system, 3); // the history copies two finished tasks
    const history = await writeHistory(system, sizes.historyTasks, sizes.idleTasks);
    const rebuild = await measureRebuild(system);
    process.stdout.write(
      `History: ${history.events} events written (log now ${history.logEvents}), the live projection applied them ${history.projectedSeconds.toFixed(1)} s after the writing\n` +
        `Projection rebuild: ${rebuild.eventsPerSecond.toFixed(0)} events/s (${rebuild.events} events in ${rebuild.seconds.toFixed(1)} s)\n`,
    );
  } finally {
    await system.stop();
  }
}

/** The soak alone: its report goes to stdout and artifacts/soak.md (a 30-minute figure is not part of BENCHMARKS.md's run). */
async function soakMain(): Promise<void> {
  const minutes = Number(process.env['BENCH_SOAK_MINUTES'] ?? 30);
  const sampleS = Number(process.env['BENCH_SOAK_SAMPLE_S'] ?? 30);
  if (!(minutes > 0) || !(sampleS > 0)) throw new Error('BENCH_SOAK_MINUTES and BENCH_SOAK_SAMPLE_S must be positive numbers');
  const startedAt = new Date();
  const system = await startBenchSystem({ limit: LIMIT, poolSize: LIMIT });
  let figures: SoakFigures;
  try {
    figures = await runSoak(system, minutes, sampleS, 100);
  } finally {
    await system.stop();
  }
  const table = markdownTable(['what', 'first sample → last (min … max)', 'slope per hour'], soakRows(figures));
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, Node ${process.version}`;
  const report = [
    '# Soak',
    '',
    `Measured ${startedAt.toISOString()} with \`npm run bench -- --soak\` (BENCH_SOAK_MINUTES=${minutes}, a sample every ${sampleS} s) on ${machine}.`,
    `Load: half the throughput of a 100-task batch (${figures.maxTasksPerSecond.toFixed(1)} tasks/s) → ${figures.rate.toFixed(1)} tasks/s created and started, ${figures.started} in all.`,
    'Slopes are least-squares over the samples after the first tenth of the run (warm-up left out).',
    '',
    table,
    '',
  ].join('\n');
  process.stdout.write(`\n${report}`);
  const out = path.resolve(__dirname, '../../artifacts/soak.md');
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, report);
  process.stdout.write(`wrote ${out}\n`);
}

function soakRows({ samples }: SoakFigures): string[][] {
  const steady = samples.filter((sample) => sample.atS >= (samples.at(-1)?.atS ?? 0) / 10);
  const row = (what: string, value: (sample: SoakFigures['samples'][number]) => number, unit: string, digits = 0): string[] => {
    const values = samples.map(value);
    const fmt = (v: number) => v.toFixed(digits);
    return [
      what,
      `${fmt(values[0] ?? Number.NaN)} → ${fmt(values.at(-1) ?? Number.NaN)} ${unit} (${fmt(Math.min(...values))} … ${fmt(Math.max(...values))})`,
      `${slopePerHour(steady.map((sample) => sample.atS), steady.map(value)).toFixed(1)} ${unit}/h`,
    ];
  };
  return [
    ...APPS.map((app) => row(`RSS ${app}`, (sample) => sample.rss[app], 'MiB')),
    row('Heap in use, gateway', (sample) => sample.gatewayHeap, 'MiB', 1),
    ...APPS.map((app) => row(`Open file descriptors, ${app}`, (sample) => sample.fds[app], 'fds')),
    row('Consumers on ORCH_EVENTS, ORCH_COMMANDS, the heartbeats, ORCH_LOGS', (sample) => sample.consumers, 'consumers'),
  ];
}

type CpuSample = Record<AppName, CpuTimes> & { nats: number; postgres: number };

async function cpu(apps: Record<AppName, { child: { pid?: number | undefined } }>): Promise<CpuSample> {
  const entries = await Promise.all(APPS.map(async (app) => [app, await cpuTimes(apps[app].child.pid ?? 0)] as const));
  const [nats, postgres] = await Promise.all([pidsOf('nats-server').then(totalCpu), pidsOf('postgres').then(totalCpu)]);
  return { ...(Object.fromEntries(entries) as Record<AppName, CpuTimes>), nats, postgres };
}

function cpuUse(before: CpuSample, after: CpuSample, seconds: number): Array<[string, string, string]> {
  const row = (name: string, used: number): [string, string, string] => [name, used.toFixed(1), `${((used / seconds) * 100).toFixed(0)} %`];
  return [
    ...APPS.map((app) => row(app, after[app].own - before[app].own)),
    row('runner\'s children (agent CLI, git)', after.runner.children - before.runner.children),
    row('nats-server', after.nats - before.nats),
    row('postgres', after.postgres - before.postgres),
  ];
}

function peerRows(peers: readonly PeerFigures[], ours: { p50: number; p99: number }, throughput: { tasksPerSecond: number; failed: number }): string[][] {
  const rows = peers.map((peer) => [
    peer.name,
    `${ms(peer.single.p50)} · ${ms(peer.single.p99)} (n=${peer.single.count})`,
    `${peer.tasksPerSecond.toFixed(1)} tasks/s${peer.failed > 0 ? ` (${peer.failed} failed)` : ''}`,
    `latency ${(ours.p50 / peer.single.p50).toFixed(1)}× · throughput ${((throughput.tasksPerSecond / peer.tasksPerSecond) * 100).toFixed(0)} %`,
  ]);
  return [['Orchestrator Manager (above)', `${ms(ours.p50)} · ${ms(ours.p99)}`, `${throughput.tasksPerSecond.toFixed(1)} tasks/s`, '—'], ...rows];
}

function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Milliseconds until the gateway's /health reports no projection lag. */
async function projectionCatchUp(baseUrl: string): Promise<number> {
  const started = performance.now();
  for (;;) {
    const health = (await (await fetch(`${baseUrl}/health`)).json()) as { projection?: { lag?: number | null } };
    if (health.projection?.lag === 0) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

interface MemorySample {
  /** each app's resident set size, MiB */
  rss: Record<AppName, number>;
  /** the gateway's `nodejs_heap_size_used_bytes` from its /metrics, MiB */
  gatewayHeap: number;
}

async function sampleMemory(system: { apps: Record<AppName, { child: { pid?: number | undefined } }>; baseUrl: string }): Promise<MemorySample> {
  const entries = await Promise.all(APPS.map(async (app) => [app, await rssMiB(system.apps[app].child.pid)] as const));
  const metrics = await (await fetch(`${system.baseUrl}/metrics`)).text();
  const heapBytes = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(metrics)?.[1] ?? Number.NaN);
  return { rss: Object.fromEntries(entries) as Record<AppName, number>, gatewayHeap: heapBytes / 1024 ** 2 };
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
