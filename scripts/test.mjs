#!/usr/bin/env node
// `npm test`: every tier (unit, integration, e2e) against the real NATS, Postgres and
// Docker engine. Extra arguments go to jest (`npm test -- --selectProjects unit`).
// First the board page (apps/gateway/board): built into dist/board when its sources are
// newer (the browser test loads it from the gateway), then its own unit tests, by vitest.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const boardDir = path.join(root, 'apps/gateway/board');
const run = (args) => spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root }).status ?? 1;

if (run([path.join(root, 'scripts/build.mjs'), '--board']) !== 0) process.exit(1);
const vitest = run([path.join(path.dirname(require.resolve('vitest/package.json')), 'vitest.mjs'), 'run', '--config', path.join(boardDir, 'vite.config.mts')]);
const jest = run([require.resolve('jest/bin/jest'), '--maxWorkers=2', ...process.argv.slice(2)]);
process.exit(vitest !== 0 ? vitest : jest);

