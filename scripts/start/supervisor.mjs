// The processes `npm start` runs. Each gets its own process group, so a Ctrl-C in the
// terminal reaches only `npm start`, which then stops them in order: the apps first
// (SIGTERM, so they finish their shutdown hooks), then Postgres and NATS. Any child
// that exits on its own stops everything.
import { spawn } from 'node:child_process';
import { prefixLines, say, warn } from './output.mjs';

const APP_GRACE_MS = 10_000;
const SERVICE_GRACE_MS = 15_000;

export class Supervisor {
  apps = [];
  services = [];
  stopping = false;

  constructor(root) {
    this.root = root;
    process.on('exit', () => {
      for (const entry of [...this.apps, ...this.services]) if (entry.running()) entry.signal('SIGKILL');
    });
  }

  /** Starts `command` as an app (stopped first) or a service (stopped last). */
  start(name, command, args, { env, role = 'app', stopSignal = 'SIGTERM', cwd = this.root, uid, gid } = {}) {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true, uid, gid });
    prefixLines(name, child);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    const entry = {
      name,
      stopSignal,
      exited,
      running: () => child.exitCode === null && child.signalCode === null && child.pid !== undefined,
      signal: (signal) => {
        try {
          child.kill(signal);
        } catch {
          // already gone
        }
      },
    };
    child.once('error', (error) => {
      warn(`${name} could not start: ${error.message}`);
      void this.stop(1);
    });
    child.once('exit', (status) => {
      if (this.stopping) return;
      warn(`${name} exited (${status}); stopping everything`);
      void this.stop(1);
    });
    (role === 'app' ? this.apps : this.services).push(entry);
    return entry;
  }

  /** Takes charge of a process from an earlier run (e.g. an embedded Postgres left behind). */
  adopt(name, pid, stopSignal) {
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const exited = new Promise((resolve) => {
      const timer = setInterval(() => !alive() && (clearInterval(timer), resolve('exited')), 200);
    });
    const signal = (name) => {
      try {
        process.kill(pid, name);
      } catch {
        // already gone
      }
    };
    this.services.push({ name, stopSignal, exited, running: alive, signal });
  }

  async stop(code = 0) {
    if (this.stopping) return;
    this.stopping = true;
    say('stopping…');
    await stopAll(this.apps, APP_GRACE_MS);
    await stopAll(this.services, SERVICE_GRACE_MS);
    say(code === 0 ? 'stopped' : 'stopped after a failure');
    process.exit(code);
  }
}

async function stopAll(entries, graceMs) {
  const running = entries.filter((entry) => entry.running());
  for (const entry of running) entry.signal(entry.stopSignal);
  const timeout = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
  await Promise.race([Promise.all(running.map((entry) => entry.exited)), timeout]);
  for (const entry of running.filter((candidate) => candidate.running())) {
    warn(`${entry.name} did not stop within ${graceMs / 1000} s; killing it`);
    entry.signal('SIGKILL');
  }
  await Promise.all(running.map((entry) => entry.exited));
}
