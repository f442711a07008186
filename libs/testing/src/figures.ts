import { mkdir, readdir, readFile, rename, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

const ARTIFACTS = path.resolve(__dirname, '../../../artifacts');
const PARTS = path.join(ARTIFACTS, 'reliability');
const LOCK = path.join(ARTIFACTS, 'reliability.lock');

export type Figure = string | number | boolean | null | Figure[] | { [name: string]: Figure };

/**
 * Records what a fault test measured in `artifacts/reliability/<key>.json`, then merges every
 * recorded part into `artifacts/reliability.json` (under a lock directory, as test files run
 * in parallel workers). RELIABILITY.md is filled from that file.
 */
export async function recordFigures(key: string, figures: { [name: string]: Figure }): Promise<void> {
  await mkdir(PARTS, { recursive: true });
  const part = path.join(PARTS, `${key}.json`);
  await writeFile(`${part}.tmp`, JSON.stringify({ ...figures, recordedAt: new Date().toISOString() }, null, 2));
  await rename(`${part}.tmp`, part);
  await withLock(async () => {
    const merged: { [key: string]: Figure } = {};
    for (const name of (await readdir(PARTS)).filter((file) => file.endsWith('.json')).sort()) {
      merged[name.replace(/\.json$/, '')] = JSON.parse(await readFile(path.join(PARTS, name), 'utf8')) as Figure;
    }
    await writeFile(path.join(ARTIFACTS, 'reliability.json.tmp'), JSON.stringify(merged, null, 2));
    await rename(path.join(ARTIFACTS, 'reliability.json.tmp'), path.join(ARTIFACTS, 'reliability.json'));
  });
}

async function withLock(work: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  try {
    await work();
  } finally {
    await rmdir(LOCK);
  }
}
