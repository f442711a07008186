import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { WorkspaceRemote } from '@app/contracts';
import { gitCredentialEnv, isAuthRefusal, isSshUrl } from '../domain/git-remote';
import { Redactor } from '../domain/redaction';
import { CredentialRepository, CredentialUnavailable } from '../repositories/credential.repository';
import { GitError, GitRepository, type AgentTree } from '../repositories/git.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';

/** The remote refused the credential, or it is missing: not retryable until a person fixes it. */
export class RemoteRefused extends Error {
  override readonly name = 'RemoteRefused';
}

/** The remote could not be reached (or moved under the push): worth another attempt. */
export class RemoteUnavailable extends Error {
  override readonly name = 'RemoteUnavailable';
}

/**
 * A project's remote as this runner reaches it: a bare mirror per project under
 * `WORKSPACES_DIR/mirrors/<projectId>.git` (fetched one at a time per mirror), the
 * credential read by its reference for each git call and handed over in git's
 * environment only, and the task's branch pushed with a lease.
 */
@Injectable()
export class RemoteService {
  private readonly logger = new Logger('Remote');
  /** the last fetch of each mirror: the next one waits for it */
  private readonly fetches = new Map<string, Promise<unknown>>();

  constructor(
    private readonly git: GitRepository,
    private readonly credentials: CredentialRepository,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  /** The project's mirror, made if missing and fetched (after any fetch of it under way). */
  async sync(remote: WorkspaceRemote): Promise<string> {
    const base = path.join(await this.mirrorsDir(), `${remote.projectId}.git`);
    const previous = this.fetches.get(base) ?? Promise.resolve();
    const fetch = previous.catch(() => undefined).then(() => this.fetch(remote, base));
    this.fetches.set(base, fetch);
    try {
      await fetch;
    } finally {
      if (this.fetches.get(base) === fetch) this.fetches.delete(base);
    }
    return base;
  }

  /** Pushes the worktree's HEAD to the task's branch if the remote still has it at `expected`. */
  async push(remote: WorkspaceRemote, tree: AgentTree, branch: string, expected: string | null): Promise<void> {
    await this.withCredential(remote, `push ${branch} to`, (env) => this.git.push(tree, branch, expected, env));
    this.logger.log(`Pushed ${branch} to ${remote.url}`);
  }

  /** The secret the reference names, for the forge client. */
  async secretOf(credentialRef: string): Promise<string> {
    try {
      return await this.credentials.read(credentialRef);
    } catch (error) {
      if (error instanceof CredentialUnavailable) throw new RemoteRefused(error.message);
      throw error;
    }
  }

  private async fetch(remote: WorkspaceRemote, mirror: string): Promise<void> {
    if (!(await exists(mirror))) {
      await this.git.initMirror(mirror);
      this.logger.log(`Mirror of ${remote.url} at ${mirror}`);
    }
    // the project's URL as this task has it: an update of the project may have moved it
    await this.git.setOrigin(mirror, remote.url);
    await this.withCredential(remote, 'fetch from', (env) => this.git.fetchMirror(mirror, env));
  }

  /** Runs a git call with the credential in its environment; its failure classified, the secret kept out of the words. */
  private async withCredential(remote: WorkspaceRemote, what: string, work: (env: Record<string, string>) => Promise<void>): Promise<void> {
    let secret: string | null = null;
    if (remote.credentialRef !== null) secret = await this.secretOf(remote.credentialRef);
    const credential = secret === null ? null : isSshUrl(remote.url) && remote.credentialRef?.startsWith('file:') ? { kind: 'ssh-key' as const, keyPath: remote.credentialRef.slice('file:'.length) } : { kind: 'token' as const, token: secret };
    try {
      await work(gitCredentialEnv(remote.url, credential));
    } catch (error) {
      if (!(error instanceof GitError)) throw error;
      const words = new Redactor([secret]).redact(error.message);
      if (isAuthRefusal(words)) {
        throw new RemoteRefused(`could not ${what} ${remote.url}: the remote refused the credential ${remote.credentialRef ?? '(none given)'}: ${words}`);
      }
      throw new RemoteUnavailable(`could not ${what} ${remote.url}: ${words}`);
    }
  }

  private async mirrorsDir(): Promise<string> {
    const dir = path.join(this.config.workspacesDir, 'mirrors');
    await mkdir(dir, { recursive: true });
    return realpath(dir);
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
