#!/usr/bin/env node
// `npm test`: every tier (unit, integration, e2e) against the real NATS, Postgres and
// Docker engine. Extra arguments go to jest (`npm test -- --selectProjects unit`).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const jest = require.resolve('jest/bin/jest');
const result = spawnSync(process.execPath, [jest, '--maxWorkers=2', ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
