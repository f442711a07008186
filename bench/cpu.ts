import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

/** clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux) */
const TICKS = 100;

export interface CpuTimes {
  /** the process's own user + system seconds */
  own: number;
  /** seconds of its waited-for children (the agent CLI, git) */
  children: number;
}

/** CPU seconds a process has used so far, from /proc/<pid>/stat. */
export async function cpuTimes(pid: number): Promise<CpuTimes> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (stat === null) return { own: 0, children: 0 };
  // fields after the command name, which is in parentheses and may hold spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ').map(Number);
  const [utime = 0, stime = 0, cutime = 0, cstime = 0] = fields.slice(11, 15);
  return { own: (utime + stime) / TICKS, children: (cutime + cstime) / TICKS };
}

/** The pids of the processes named `name` (the servers the apps talk to). */
export async function pidsOf(name: string): Promise<number[]> {
  const { stdout } = await promisify(execFile)('pgrep', ['-x', name]).catch(() => ({ stdout: '' }));
  return stdout.split('\n').filter(Boolean).map(Number);
}

/** A process group's CPU seconds as a sum over its pids, own and children's. */
export async function totalCpu(pids: readonly number[]): Promise<number> {
  const times = await Promise.all(pids.map(cpuTimes));
  return times.reduce((sum, time) => sum + time.own + time.children, 0);
}
