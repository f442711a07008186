#!/usr/bin/env node
// `npm run projection:rebuild`: empties the gateway's read tables and replays ORCH_EVENTS
// from sequence 1 (same DATABASE_URL and NATS_* variables as the gateway), with the
// compiled code in dist/, building first when dist/ is missing or older than the sources.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const compiled = path.join(root, 'dist/apps/gateway/src/projection/rebuild.main.js');
const sources = ['apps/gateway/src', 'libs', 'migrations'].map((dir) => path.join(root, dir));

if (isStale()) {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) {
    console.error('projection:rebuild: the build failed; fix the errors above and run again');
    process.exit(1);
  }
}
const run = spawnSync(process.execPath, ['--enable-source-maps', compiled], { cwd: root, stdio: 'inherit', env: process.env });
process.exit(run.status ?? 1);

/** true when the compiled entry point is missing or older than a non-test .ts source */
function isStale() {
  let builtAt;
  try {
    builtAt = statSync(compiled).mtimeMs;
  } catch {
    return true;
  }
  return sources.some((dir) => newestSource(dir) > builtAt);
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || /\.(int-|e2e-)?spec\.ts$/.test(entry.name)) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}
