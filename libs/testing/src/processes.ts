import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { MessagingOptions } from '@app/messaging';
import { TEST_NATS_ACCOUNTS_VARIABLE, testCredentials } from './nats-accounts';
import { repoRoot } from './repo-root';
import { APP_NAMES, type AppName } from '@app/contracts';

const ROOT = repoRoot();

/** Compiles the apps into dist/ (what `npm start` runs), for tests that need real processes. */
export function buildApps(): void {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`build failed:\n${result.stdout}\n${result.stderr}`);
}

export interface AppProcess {
  name: string;
  child: ChildProcess;
  /** everything the process printed */
  output(): string;
  /** resolves when the process has exited */
  exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The env that points `app` at a test suite's own streams, as its own NATS user. */
export function messagingEnv(messaging: MessagingOptions, app: AppName): Record<string, string> {
  const credentials = testCredentials(app);
  return {
    NATS_URL: messaging.natsUrl,
    NATS_SUBJECT_ROOT: messaging.subjectRoot,
    NATS_STREAM_PREFIX: messaging.streamPrefix,
    ...(credentials ? { NATS_USER: credentials.user, NATS_PASSWORD: credentials.password } : {}),
  };
}

/** The run's environment without the test users' passwords: an app gets only its own, through `messagingEnv`. */
function withoutTestAccounts(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { [TEST_NATS_ACCOUNTS_VARIABLE]: _accounts, ...rest } = env;
  return rest;
}

export { APP_NAMES, type AppName };

/** Starts a built app (`dist/apps/<app>/src/main.js`) as its own process; `nodeArgs` go before the script (`--cpu-prof`). */
export function spawnApp(
  app: AppName,
  env: Record<string, string>,
  name: string = app,
  nodeArgs: readonly string[] = [],
): AppProcess {
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, `dist/apps/${app}/src/main.js`)], {
    cwd: ROOT,
    env: { ...withoutTestAccounts(process.env), ...env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    name,
    child,
    output: () => output,
    exited,
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
