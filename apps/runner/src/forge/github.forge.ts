import { Octokit } from '@octokit/rest';
import type { ForgeRepository } from '../domain/forge-repository';
import { ForgeCredentialRefused, ForgeRequestRefused, ForgeUnavailable, type Forge, type PullRequestDraft, type PullRequestFacts } from './forge';

export interface GitHubForgeOptions {
  /** `https://api.github.com`, or a GitHub Enterprise server's `https://<host>/api/v3` */
  baseUrl: string;
  token: string;
  /** the name the token was found by (a variable or a file), for messages; never the token */
  credentialRef: string;
}

type PullState = { number: number; html_url: string; state: string; merged_at: string | null; merged?: boolean };
const factsOf = (pull: PullState): PullRequestFacts => ({
  number: pull.number,
  url: pull.html_url,
  state: pull.merged === true || pull.merged_at !== null ? 'merged' : pull.state === 'open' ? 'open' : 'closed',
});

/** GitHub's REST API through @octokit/rest. */
export class GitHubForge implements Forge {
  private readonly octokit: Octokit;

  constructor(private readonly options: GitHubForgeOptions) {
    this.octokit = new Octokit({ auth: options.token, baseUrl: options.baseUrl.replace(/\/+$/, ''), request: { retries: 0 }, log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined } });
  }

  async openOrUpdatePullRequest(draft: PullRequestDraft): Promise<PullRequestFacts & { created: boolean }> {
    const { owner, name: repo } = draft.repository;
    return this.call(async () => {
      const open = await this.octokit.pulls.list({ owner, repo, state: 'open', head: `${owner}:${draft.head}`, base: draft.base, per_page: 1 });
      const existing = open.data[0];
      if (existing !== undefined) {
        const updated = await this.octokit.pulls.update({ owner, repo, pull_number: existing.number, title: draft.title, body: draft.body });
        return { ...factsOf(updated.data), created: false };
      }
      const created = await this.octokit.pulls.create({ owner, repo, head: draft.head, base: draft.base, title: draft.title, body: draft.body });
      return { ...factsOf(created.data), created: true };
    });
  }

  async pullRequest(repository: ForgeRepository, number: number): Promise<PullRequestFacts> {
    return this.call(async () => factsOf((await this.octokit.pulls.get({ owner: repository.owner, repo: repository.name, pull_number: number })).data));
  }

  /** Octokit's errors as the system's: the credential refused, the forge away, the request refused. */
  private async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const status = typeof error === 'object' && error !== null && 'status' in error && typeof error.status === 'number' ? error.status : null;
      const message = error instanceof Error ? error.message.split('\n')[0]!.replaceAll(this.options.token, '[redacted]') : String(error);
      if (status === 401 || status === 403) throw new ForgeCredentialRefused(this.options.credentialRef, status);
      if (status === null || status >= 500 || status === 429) throw new ForgeUnavailable(status === null ? message : `HTTP ${status}`);
      throw new ForgeRequestRefused(status, message);
    }
  }
}
