import type { ForgeRepository } from '../domain/forge-repository';

/** A pull request as the system records it. */
export interface PullRequestFacts {
  number: number;
  /** the page a person opens to review it */
  url: string;
  state: 'open' | 'closed' | 'merged';
}

export interface PullRequestDraft {
  repository: ForgeRepository;
  /** the task's branch */
  head: string;
  /** the branch it is to be merged into */
  base: string;
  title: string;
  body: string;
}

/**
 * Where a project's pull requests are opened. One implementation per forge (GitHub, and
 * GitHub Enterprise by base URL); the project names which.
 */
export interface Forge {
  /** Opens the pull request from `head` to `base`, or updates the open one there already. */
  openOrUpdatePullRequest(draft: PullRequestDraft): Promise<PullRequestFacts & { created: boolean }>;
  pullRequest(repository: ForgeRepository, number: number): Promise<PullRequestFacts>;
}

/** The forge refused the credential: not retryable until a person fixes it. */
export class ForgeCredentialRefused extends Error {
  readonly retryable = false;
  constructor(readonly credentialRef: string, status: number) {
    super(`the forge refused the credential ${credentialRef} (HTTP ${status})`);
    this.name = 'ForgeCredentialRefused';
  }
}

/** The forge could not be reached or answered 5xx: worth trying again later. */
export class ForgeUnavailable extends Error {
  readonly retryable = true;
  constructor(detail: string) {
    super(`the forge is unavailable: ${detail}`);
    this.name = 'ForgeUnavailable';
  }
}

/** The forge refused the request itself (422, 404): trying again will not help. */
export class ForgeRequestRefused extends Error {
  readonly retryable = false;
  constructor(status: number, detail: string) {
    super(`the forge refused the request (HTTP ${status}): ${detail}`);
    this.name = 'ForgeRequestRefused';
  }
}
