import { mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildApps } from './processes';
import { repoRoot } from './repo-root';

const ROOT = repoRoot();
const STAMP = path.join(ROOT, 'dist/.built-at');
const LOCK = path.join(ROOT, 'dist/.build.lock');
const SOURCES = ['apps', 'libs', 'migrations'];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

const stampTime = () => {
  try {
    return statSync(STAMP).mtimeMs;
  } catch {
    return 0;
  }
};

/**
 * `buildApps()` unless dist/ is newer than every source, under a lock directory: test files
 * that spawn apps run in parallel workers, and only one of them should compile into dist/.
 */
export async function buildAppsOnce(): Promise<void> {
  const deadline = Date.now() + 180_000;
  mkdirSync(path.dirname(LOCK), { recursive: true });
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (Date.now() > deadline) throw new Error(`${LOCK} held for 3 minutes; remove it if no build runs`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    const newest = Math.max(...SOURCES.map((dir) => newestSource(path.join(ROOT, dir))));
    if (stampTime() > newest) return;
    buildApps();
    writeFileSync(STAMP, new Date().toISOString());
  } finally {
    rmdirSync(LOCK);
  }
}
