import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { causedMessage, newMessage, type MessageData, type MessageOf, type QaVerdict, type WorkspaceRemote } from '@app/contracts';
import { Clock } from '@app/config';
import { MessagePublisher, NatsClient, SubjectReader } from '@app/messaging';
import { forgeRepositoryOf, type ForgeRepository } from '../domain/forge-repository';
import { pullRequestText } from '../domain/git-remote';
import { taskBranch } from '../domain/workspace-policy';
import { ForgeRequestRefused } from '../forge/forge';
import { GitHubForge } from '../forge/github.forge';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import { RemoteRefused, RemoteService } from './remote.service';

/** github.com's REST API, for a project that names no GitHub Enterprise base URL */
const GITHUB_API = 'https://api.github.com';

type PullRequestOpened = Omit<MessageData<'TaskPullRequestOpened'>, 'openedAt'>;

/** A pull request this runner opened and watches until it is merged or closed. */
interface Watched {
  taskId: string;
  url: string;
  number: number;
  repository: ForgeRepository;
  remote: WorkspaceRemote & { forge: { kind: 'github' } };
}

/**
 * Opens (or updates) the pull request of a task whose QA passed, through the project's
 * forge: from the task's branch to its base, titled from the task, its body the
 * specification, the verdict and findings, the cost and the board's link.
 */
@Injectable()
export class PullRequestService implements OnModuleDestroy {
  private readonly logger = new Logger('PullRequest');
  /** by task id */
  private readonly watched = new Map<string, Watched>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(
    private readonly remotes: RemoteService,
    private readonly reader: SubjectReader,
    private readonly publisher: MessagePublisher,
    private readonly nats: NatsClient,
    private readonly clock: Clock,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  onModuleDestroy(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /** Null when the task's project has no forge. Throws the forge's typed errors, or RemoteRefused for a missing credential. */
  async open(task: Pick<MessageData<'RunStage'>, 'taskId' | 'workspace' | 'context'>, verdict: QaVerdict, stageCostUsd: number): Promise<PullRequestOpened | null> {
    const { taskId, workspace, context } = task;
    const remote = workspace.remote;
    if (!remote || remote.forge.kind === 'none') return null;
    const repository = forgeRepositoryOf(remote.url);
    if (repository === null) throw new ForgeRequestRefused(0, `${remote.url} names no owner/repository on the forge`);
    if (remote.credentialRef === null) throw new RemoteRefused(`the project's forge needs a credential, and the project names none`);
    const forge = await this.forgeOf({ ...remote, forge: remote.forge });
    const head = taskBranch(taskId);
    const base = workspace.baseBranch ?? 'main';
    const text = pullRequestText({ taskId, context, verdict, costUsd: (await this.costSoFar(taskId)) + stageCostUsd, boardUrl: this.config.boardPublicUrl });
    const pull = await forge.openOrUpdatePullRequest({ repository, head, base, ...text });
    this.logger.log(`Pull request ${pull.url} ${pull.created ? 'opened' : 'updated'} for task ${taskId} (${head} → ${base})`);
    this.watch({ taskId, url: pull.url, number: pull.number, repository, remote: { ...remote, forge: remote.forge } });
    return { taskId, url: pull.url, number: pull.number, head, base, created: pull.created };
  }

  /**
   * OpenPullRequest (the task's result was approved): opens it from the branch QA's run
   * pushed and records it on the task subject. The forge's errors are thrown, for the
   * command to be redelivered or dead-lettered with the reason.
   */
  async openApproved(command: MessageOf<'OpenPullRequest'>): Promise<void> {
    const opened = await this.open(command.data, command.data.verdict, 0);
    if (opened === null) return;
    await this.publisher.append(causedMessage(command, 'TaskPullRequestOpened', command.data.taskId, { ...opened, openedAt: this.clock.nowIso() }, this.origin()));
  }

  /**
   * Polls the pull request every RUNNER_PR_POLL_S (0: never) until it is merged or closed,
   * then records that on the task subject (TaskPullRequestClosed). Only while this runner
   * runs: a restart forgets what it watched.
   */
  private watch(entry: Watched): void {
    if (this.config.pullRequestPollS === 0) return;
    this.watched.set(entry.taskId, entry);
    this.timer ??= setInterval(() => void this.poll(), this.config.pullRequestPollS * 1000);
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const entry of [...this.watched.values()]) {
        try {
          const forge = await this.forgeOf(entry.remote);
          const facts = await forge.pullRequest(entry.repository, entry.number);
          if (facts.state === 'open') continue;
          const closed = newMessage(
            'TaskPullRequestClosed',
            entry.taskId,
            { taskId: entry.taskId, url: entry.url, number: entry.number, state: facts.state, observedAt: this.clock.nowIso() },
            this.origin(),
          );
          await this.publisher.append(closed);
          this.watched.delete(entry.taskId);
          this.logger.log(`Pull request ${entry.url} of task ${entry.taskId} was ${facts.state}`);
        } catch (error) {
          this.logger.warn(`Could not read pull request ${entry.url} of task ${entry.taskId}: ${(error as Error).message}`);
        }
      }
    } finally {
      this.polling = false;
    }
  }

  private async forgeOf(remote: WorkspaceRemote & { forge: { kind: 'github'; apiBaseUrl: string | null } }): Promise<GitHubForge> {
    if (remote.credentialRef === null) throw new RemoteRefused(`the project's forge needs a credential, and the project names none`);
    const token = await this.remotes.secretOf(remote.credentialRef);
    return new GitHubForge({ baseUrl: remote.forge.apiBaseUrl ?? GITHUB_API, token, credentialRef: remote.credentialRef });
  }

  private origin() {
    return { producer: this.config.messaging.producer, occurredAt: this.clock.nowIso() };
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
