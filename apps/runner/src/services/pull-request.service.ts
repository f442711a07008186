import { Inject, Injectable, Logger } from '@nestjs/common';
import type { MessageData, MessageOf, QaVerdict } from '@app/contracts';
import { NatsClient, SubjectReader } from '@app/messaging';
import { forgeRepositoryOf } from '../domain/forge-repository';
import { pullRequestText } from '../domain/git-remote';
import { taskBranch } from '../domain/workspace-policy';
import { ForgeRequestRefused } from '../forge/forge';
import { GitHubForge } from '../forge/github.forge';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import { RemoteRefused, RemoteService } from './remote.service';

/** github.com's REST API, for a project that names no GitHub Enterprise base URL */
const GITHUB_API = 'https://api.github.com';

type PullRequestOpened = Omit<MessageData<'TaskPullRequestOpened'>, 'openedAt'>;

/**
 * Opens (or updates) the pull request of a task whose QA passed, through the project's
 * forge: from the task's branch to its base, titled from the task, its body the
 * specification, the verdict and findings, the cost and the board's link.
 */
@Injectable()
export class PullRequestService {
  private readonly logger = new Logger('PullRequest');

  constructor(
    private readonly remotes: RemoteService,
    private readonly reader: SubjectReader,
    private readonly nats: NatsClient,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  /** Null when the task's project has no forge. Throws the forge's typed errors, or RemoteRefused for a missing credential. */
  async open(command: MessageOf<'RunStage'>, verdict: QaVerdict, stageCostUsd: number): Promise<PullRequestOpened | null> {
    const { taskId, workspace, context } = command.data;
    const remote = workspace.remote;
    if (!remote || remote.forge.kind === 'none') return null;
    const repository = forgeRepositoryOf(remote.url);
    if (repository === null) throw new ForgeRequestRefused(0, `${remote.url} names no owner/repository on the forge`);
    if (remote.credentialRef === null) throw new RemoteRefused(`the project's forge needs a credential, and the project names none`);
    const token = await this.remotes.secretOf(remote.credentialRef);
    const forge = new GitHubForge({ baseUrl: remote.forge.apiBaseUrl ?? GITHUB_API, token, credentialRef: remote.credentialRef });
    const head = taskBranch(taskId);
    const base = workspace.baseBranch ?? 'main';
    const text = pullRequestText({ taskId, context, verdict, costUsd: (await this.costSoFar(taskId)) + stageCostUsd, boardUrl: this.config.boardPublicUrl });
    const pull = await forge.openOrUpdatePullRequest({ repository, head, base, ...text });
    this.logger.log(`Pull request ${pull.url} ${pull.created ? 'opened' : 'updated'} for task ${taskId} (${head} → ${base})`);
    return { taskId, url: pull.url, number: pull.number, head, base, created: pull.created };
  }

  /** US dollars the task's stage runs reported so far on its subject. */
  private async costSoFar(taskId: string): Promise<number> {
    const { events } = await this.reader.read(this.nats.subjects.task(taskId));
    let total = 0;
    for (const { event } of events) {
      if (event.type === 'StageCompleted') total += event.data.result.totalCostUsd;
      if (event.type === 'StageFailed') total += event.data.result?.totalCostUsd ?? 0;
    }
    return total;
  }
}
