import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { NatsClient } from '@app/messaging';
import { dockerCli } from './docker';
import { readStream } from './stream-dump';

export interface LiveProcess {
  pid: number;
  command: string;
  /** its working directory (for an agent: its task's workspace) */
  cwd: string;
}

/** The process's state letter from /proc (R, S, Z…), or null when it is gone. */
async function processState(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return null;
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/** A process's command line and working directory (`cwd` when the caller has read it already). */
async function describe(pid: number, cwd?: string): Promise<LiveProcess> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return { pid, command: cmdline.split('\0').join(' ').trim(), cwd: cwd ?? (await readlink(`/proc/${pid}/cwd`).catch(() => '?')) };
}

/** Those of `pids` still running (a zombie has ended: it only waits to be reaped). */
export async function livePids(pids: Iterable<number>): Promise<LiveProcess[]> {
  const alive: LiveProcess[] = [];
  for (const pid of new Set(pids)) {
    const state = await processState(pid);
    if (state !== null && state !== 'Z') alive.push(await describe(pid));
  }
  return alive;
}

/**
 * Every live process whose working directory lies under `dir`: an agent CLI runs in its
 * task's workspace and its children inherit that directory, so this finds grandchildren
 * whose pid nobody reported.
 */
export async function processesUnder(dir: string): Promise<LiveProcess[]> {
  const root = path.resolve(dir) + path.sep;
  const found: LiveProcess[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => null);
    if (cwd === null || !(cwd + path.sep).startsWith(root)) continue;
    const state = await processState(Number(entry));
    if (state !== null && state !== 'Z') found.push(await describe(Number(entry), cwd));
  }
  return found;
}

/** Pids the fake CLI reported: its own (from `FAKE_CLAUDE_LOG`) and its children (`fake_child` lines in ORCH_LOGS). */
export async function agentPids(client: NatsClient, fakeClaudeLog: string | null): Promise<number[]> {
  const pids: number[] = [];
  if (fakeClaudeLog !== null) {
    const text = await readFile(fakeClaudeLog, 'utf8').catch(() => '');
    for (const line of text.split('\n').filter((entry) => entry.trim() !== '')) pids.push((JSON.parse(line) as { pid: number }).pid);
  }
  for (const message of await readStream(client, client.subjects.logsStream)) {
    for (const match of message.text.matchAll(/"subtype":"fake_child","pid":(\d+)/g)) pids.push(Number(match[1]));
  }
  return pids;
}

/** Ids of the containers (running or not) labelled as `poolId`'s. */
export async function poolContainers(poolId: string): Promise<string[]> {
  return (await dockerCli('ps', '-a', '-q', '--filter', `label=orch.pool=${poolId}`)).split('\n').filter((id) => id.trim() !== '');
}
