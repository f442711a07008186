import { Injectable } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { execa } from 'execa';
import { LineSplitter } from '../domain/output-lines';

export interface ProcessLine {
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface ProcessExit {
  /** null when killed by a signal or never started */
  exitCode: number | null;
  signal: string | null;
  /** set when the program could not be started at all (ENOENT, EACCES) */
  spawnError: string | null;
}

export interface StartOptions {
  cwd: string;
  /** written to the program's stdin, which is then closed (the prompt: no argv limit applies) */
  input: string;
  env: Record<string, string>;
  onLine: (line: ProcessLine) => void;
  /** characters kept of one output line; the rest is dropped */
  maxLineChars: number;
  /** milliseconds between SIGTERM and SIGKILL when the group is ended */
  killGraceMs: number;
}

export interface RunningProcess {
  pid: number | undefined;
  /**
   * Ends the whole process group — the program, its children, theirs: SIGTERM, then
   * SIGKILL after the grace unless the group is gone by then.
   */
  terminate(): void;
  /** Stops reading its output (the program blocks once a pipe is full) until `resumeOutput`. */
  pauseOutput(): void;
  resumeOutput(): void;
  /** resolves once the program exited, what it left of its group was ended and its output read */
  exit: Promise<ProcessExit>;
}

export interface ExecResult {
  /** null when the program could not be started or was killed */
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Starts programs. The only place that imports execa. Each agent leads its own process
 * group (detached), so a timeout or cancel can end everything it spawned; when the agent
 * itself exits, whatever it left running in its group is ended too.
 */
@Injectable()
export class ProcessRepository {
  start(file: string, args: string[], options: StartOptions): RunningProcess {
    const subprocess = execa(file, args, {
      cwd: options.cwd,
      env: options.env,
      extendEnv: false,
      input: options.input,
      detached: true,
      cleanup: true,
      reject: false,
      buffer: false,
    });
    const pid = subprocess.pid;
    const signalGroup = (signal: NodeJS.Signals): boolean => {
      if (pid === undefined) return false;
      try {
        process.kill(-pid, signal);
        return true;
      } catch {
        return false; // the group is gone
      }
    };
    let forceTimer: NodeJS.Timeout | null = null;
    const terminate = () => {
      if (!signalGroup('SIGTERM') || forceTimer !== null) return;
      forceTimer = setTimeout(() => signalGroup('SIGKILL'), options.killGraceMs);
      forceTimer.unref();
    };
    // the agent is done: nothing it started may outlive it (and hold its pipes open)
    subprocess.once('exit', terminate);

    const reads = (['stdout', 'stderr'] as const).map((name) => readLines(subprocess[name], name, options));
    const exit = (async (): Promise<ProcessExit> => {
      const result = await subprocess;
      await Promise.all(reads);
      if (forceTimer !== null) clearTimeout(forceTimer);
      signalGroup('SIGKILL');
      const failedToStart = result.failed && result.exitCode === undefined && result.signal === undefined;
      return {
        exitCode: result.exitCode ?? null,
        signal: result.signal ?? null,
        spawnError: failedToStart ? spawnErrorOf(result.cause) : null,
      };
    })();
    return {
      pid,
      exit,
      terminate,
      pauseOutput: () => {
        subprocess.stdout?.pause();
        subprocess.stderr?.pause();
      },
      resumeOutput: () => {
        subprocess.stdout?.resume();
        subprocess.stderr?.resume();
      },
    };
  }

  /**
   * When a running process started (clock ticks after boot, field 22 of /proc/<pid>/stat),
   * which tells it from a later process given the same pid; null when none runs (or is a zombie).
   */
  async startTimeOf(pid: number): Promise<string | null> {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
    if (stat === null) return null;
    // after "pid (comm)", whose comm may hold spaces and parentheses: state is field 3, starttime field 22
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? null : (fields[19] ?? null);
  }

  /** Sends `signal` to a whole process group; false when there is no such group. */
  killGroup(pgid: number, signal: NodeJS.Signals): boolean {
    try {
      process.kill(-pgid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** Runs a short command (git) to its end, its output buffered, with exactly the environment given. */
  async exec(file: string, args: string[], options: { cwd: string; timeoutMs: number; env: Record<string, string> }): Promise<ExecResult> {
    const result = await execa(file, args, { cwd: options.cwd, env: options.env, extendEnv: false, stdin: 'ignore', reject: false, timeout: options.timeoutMs, stripFinalNewline: false });
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    return {
      exitCode: result.exitCode ?? null,
      stdout: text(result.stdout),
      stderr: text(result.stderr) || (result.failed && result.exitCode === undefined ? (result.shortMessage ?? 'could not start') : ''),
    };
  }
}

function readLines(stream: Readable | null, name: ProcessLine['stream'], options: StartOptions): Promise<void> {
  if (!stream) return Promise.resolve();
  const splitter = new LineSplitter(options.maxLineChars);
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    for (const line of splitter.push(chunk)) options.onLine({ stream: name, line });
  });
  return new Promise((resolve) => {
    stream.once('close', () => {
      for (const line of splitter.end()) options.onLine({ stream: name, line });
      resolve();
    });
  });
}

/** `ENOENT`, `EACCES`…: why a program could not be started, without execa's echo of the command line. */
function spawnErrorOf(cause: unknown): string {
  if (typeof cause === 'object' && cause !== null && 'code' in cause && typeof cause.code === 'string') return cause.code;
  return cause instanceof Error ? cause.message.split('\n').at(-1) ?? cause.message : 'could not start';
}
