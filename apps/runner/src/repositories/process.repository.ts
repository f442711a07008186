import { Injectable } from '@nestjs/common';
import { createInterface } from 'node:readline';
import { execa } from 'execa';

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

export interface RunningProcess {
  pid: number | undefined;
  /** Sends `signal` to the whole process group: the program, its children, theirs. */
  killGroup(signal: NodeJS.Signals): void;
  exit: Promise<ProcessExit>;
}

/**
 * Starts programs. The only place that imports execa. Each program leads its own process
 * group, so a timeout or cancel can end everything it spawned.
 */
@Injectable()
export class ProcessRepository {
  start(file: string, args: string[], options: { cwd: string; env: Record<string, string>; onLine: (line: ProcessLine) => void }): RunningProcess {
    const subprocess = execa(file, args, {
      cwd: options.cwd,
      env: options.env,
      extendEnv: false,
      stdin: 'ignore',
      detached: true,
      cleanup: true,
      reject: false,
      buffer: false,
      stripFinalNewline: false,
    });
    const readers: Array<Promise<void>> = [];
    for (const stream of ['stdout', 'stderr'] as const) {
      const source = subprocess[stream];
      if (!source) continue;
      const lines = createInterface({ input: source, crlfDelay: Infinity });
      lines.on('line', (line) => options.onLine({ stream, line }));
      readers.push(new Promise((resolve) => lines.once('close', () => resolve())));
    }
    const pid = subprocess.pid;
    const exit = subprocess.then(async (result) => {
      await Promise.all(readers);
      const failedToStart = result.failed && result.exitCode === undefined && result.signal === undefined;
      return {
        exitCode: result.exitCode ?? null,
        signal: result.signal ?? null,
        spawnError: failedToStart ? (result.cause instanceof Error ? result.cause.message : (result.shortMessage ?? "could not start")) : null,
      };
    });
    return {
      pid,
      exit,
      killGroup(signal: NodeJS.Signals) {
        if (pid === undefined) return;
        try {
          process.kill(-pid, signal);
        } catch {
          // the group is already gone
        }
      },
    };
  }
}
