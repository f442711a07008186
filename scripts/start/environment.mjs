// What `npm start` tells about the agent CLI and the pool driver before starting the
// apps: which Claude Code CLI runs the stages (and whether it has a key), and whether a
// Docker engine answers for POOL_DRIVER=auto.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { say, warn } from './output.mjs';
import { dockerEngineAnswers, dockerHasImage, findBinary, versionOf } from './probes.mjs';

/** the pool-manager's default CONTAINER_IMAGE (apps/pool-manager/src/pool-manager.config.ts) */
const DEFAULT_CONTAINER_IMAGE = 'vibe-kanban:latest';

/** The CLI the runner will run: CLAUDE_CLI_PATH, else the one installed with the project, else `claude` on PATH. */
export function resolveClaude(env, root) {
  const installed = path.join(root, 'node_modules/.bin/claude');
  const cliPath = env.CLAUDE_CLI_PATH || (existsSync(installed) ? installed : findBinary('claude'));
  if (!cliPath) {
    warn('no Claude Code CLI: npm ci installs one (@anthropic-ai/claude-code); or set CLAUDE_CLI_PATH. Every stage will fail until then.');
    return null;
  }
  if (path.isAbsolute(cliPath) && !existsSync(cliPath)) warn(`agent CLI ${cliPath} does not exist (CLAUDE_CLI_PATH): every stage will fail until it does.`);
  else say(`agent CLI: ${cliPath} (${versionOf(cliPath) ?? 'it gave no --version'})`);
  if (!env.CLAUDE_API_KEY) {
    warn(
      [
        'CLAUDE_API_KEY is not set: unless the CLI is logged in, every stage will fail with the CLI\'s authentication error (the task fails; nothing hangs).',
        '  Set it:      CLAUDE_API_KEY=sk-ant-… npm start',
        '  Or try the system with the fake CLI, no key needed:',
        '               CLAUDE_CLI_PATH=$PWD/libs/testing/fixtures/fake-claude.mjs CLAUDE_API_KEY=sk-ant-demo npm start',
      ].join('\n'),
    );
  }
  return cliPath;
}

/** Says which pool driver POOL_DRIVER=auto will pick, and how to get containers when it picks none. */
export async function describePoolDriver(env) {
  if (env.POOL_DRIVER !== 'auto') return say(`pool driver: ${env.POOL_DRIVER} (POOL_DRIVER)`);
  const docker = await dockerEngineAnswers(env);
  if (!docker.ok) return say(`pool driver: auto — no Docker engine answers at ${docker.where}, so each slot is a port and a directory (local driver)`);
  const image = env.CONTAINER_IMAGE || DEFAULT_CONTAINER_IMAGE;
  if (await dockerHasImage(env, image)) return say(`pool driver: auto — the Docker engine at ${docker.where} has CONTAINER_IMAGE ${image}: each slot is a container of it`);
  say(
    [
      `pool driver: auto — the Docker engine at ${docker.where} answers but has no image ${image} (CONTAINER_IMAGE), so each slot is a port and a directory (local driver).`,
      '  For containers: build or pull that image (docker pull / docker build -t …), or name one the engine has (docker images):',
      '    CONTAINER_IMAGE=<image> npm start          (or POOL_DRIVER=docker npm start, which pulls it at boot)',
    ].join('\n'),
  );
}
