import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository's root, from the sources under jest or from dist/ when compiled (bench). */
export function repoRoot(from: string = __dirname): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'nest-cli.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no nest-cli.json above ${from}`);
    dir = parent;
  }
  return dir;
}
