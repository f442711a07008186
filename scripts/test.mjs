#!/usr/bin/env node
// `npm test`: every tier (unit, integration, e2e) against the real NATS, Postgres and
// Docker engine. Extra arguments go to jest (`npm test -- --selectProjects unit`); without
// any, the fault tests run last, one at a time.
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
const jestBin = require.resolve('jest/bin/jest');
const extra = process.argv.slice(2);
// With no arguments: every tier two at a time, then the fault tests (which restart servers
// and load the machine on purpose) one at a time, so they never overlap.
const jest =
  extra.length > 0
    ? run([jestBin, '--maxWorkers=2', ...extra])
    : Math.max(
        run([jestBin, '--maxWorkers=2', '--selectProjects', 'unit', 'integration', 'e2e']),
        run([jestBin, '--runInBand', '--selectProjects', 'faults']),
      );
process.exit(vitest !== 0 ? vitest : jest);

