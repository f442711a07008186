// Builds dist/ (scripts/build.mjs) when a source is newer than the built gateway or board.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { say } from './output.mjs';

/** the backend's TypeScript and the board's (apps/gateway/board: .tsx, .mts, .css, .html) */
const SOURCE = /\.(ts|tsx|mts|css|html)$/;

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (SOURCE.test(entry.name)) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * `quiet`: the build's own lines go to stderr, for a script whose stdout is its product
 * (`npm run nats:accounts` prints a config block there).
 */
export function buildIfNeeded(root, { quiet = false } = {}) {
  const markers = ['dist/apps/gateway/src/main.js', 'dist/board/index.html'].map((file) => path.join(root, file));
  const sources = Math.max(...['apps', 'libs', 'migrations'].map((dir) => newestSource(path.join(root, dir))));
  if (markers.every((marker) => existsSync(marker) && statSync(marker).mtimeMs >= sources)) return;
  if (quiet) process.stderr.write('[start] building…\n');
  else say('building…');
  const result = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { stdio: quiet ? ['ignore', process.stderr, 'inherit'] : 'inherit' });
  if (result.status !== 0) throw Object.assign(new Error('the build failed (see above)'), { name: 'StartError' });
}
