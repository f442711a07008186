import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** Runs git in `cwd` for a test, with hooks and fsmonitor off (an agent under test may have planted some), and returns its output trimmed. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', ...args], { cwd, encoding: 'utf8' }).trim();
}

/** A repository `root/name` with one commit on `main` holding a README.md of `readme`. */
export async function makeGitRepo(root: string, name: string, readme = '# app\n'): Promise<string> {
  const repo = path.join(root, name);
  await mkdir(repo, { recursive: true });
  git(repo, 'init', '--quiet', '--initial-branch=main');
  await writeFile(path.join(repo, 'README.md'), readme);
  git(repo, 'add', '.');
  git(repo, '-c', 'user.name=Test', '-c', 'user.email=test@example.invalid', 'commit', '--quiet', '-m', 'initial');
  return repo;
}
