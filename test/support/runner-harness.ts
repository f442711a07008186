import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { INestMicroservice } from '@nestjs/common';
import {
  causedMessage,
  deterministicId,
  newMessage,
  SCHEDULER_AGGREGATE,
  TERMINAL_STAGE_EVENTS,
  uuidv7,
  type MessageData,
  type MessageOf,
  type OrchEvent,
  type StageContext,
  type StageType,
  type WorkspaceSpec,
} from '@app/contracts';
import { MessagePublisher, type MessagingOptions, type NatsClient } from '@app/messaging';
import { startRunner } from '../../apps/runner/src/runner.app';
import type { RunnerConfig } from '../../apps/runner/src/runner.config';
import { readEventLog } from '../../libs/testing/src/event-log';

import { asApp } from '../../libs/testing/src/nats-accounts';
import { FAKE_CLAUDE_ENV, FAKE_CLAUDE_PATH, REAL_CODEX_PATH } from '../../libs/testing/src/fixtures';
import { connectTestClient, dropTestStreams, eventually, testMessagingOptions } from '../../libs/testing/src/nats';
import { readStream } from '../../libs/testing/src/stream-dump';

type TerminalType = (typeof TERMINAL_STAGE_EVENTS)[number];
const isStageOutcome = (event: OrchEvent): event is Extract<OrchEvent, { type: TerminalType }> => (TERMINAL_STAGE_EVENTS as readonly string[]).includes(event.type);
export type StageOutcome = { [T in TerminalType]: MessageOf<T> }[TerminalType];

export interface ScheduledStage {
  taskId: string;
  orchestrationId: string;
  stageId: string;
  stageType: StageType;
  attempt: number;
  command: MessageOf<'RunStage'>;
}

export interface ScheduleOptions {
  /** a new task when absent */
  taskId?: string;
  stageType?: StageType;
  attempt?: number;
  /** QA rounds: a new stage id per round */
  round?: number;
  /** the task's description: where `[[fake:<mode>]]` directives for the fake CLI go */
  description?: string;
  title?: string;
  /** what earlier stages produced */
  context?: Partial<StageContext>;
  workspace?: WorkspaceSpec;
  timeoutS?: number;
  /** the leased slot's port (its BACKEND_URL); default 18999 */
  port?: number;
  /** the leased container (a Docker container's id); default a local slot, `local-0` */
  containerId?: string;
}

type Line = MessageData<'RunOutputLogged'>['lines'][number];

/**
 * One runner under test, on streams of its own, with the test playing the orchestrator:
 * it appends what the orchestrator would (TaskCreated, OrchestrationStarted,
 * StageScheduled), sends `RunStage` against the task subject's sequence, and reads back the
 * task subject, ORCH_LOGS and the raw streams.
 */
export class RunnerHarness {
  private readonly publisher: MessagePublisher;
  private readonly created = new Set<string>();
  private closed = false;

  private constructor(
    readonly config: RunnerConfig,
    readonly client: NatsClient,
    private readonly app: INestMicroservice,
    private readonly ownWorkspacesDir: boolean,
  ) {
    this.publisher = new MessagePublisher(client);
  }

  /** Starts a runner (the fake CLI unless `cliPath` says otherwise) on its own streams and workspaces dir. */
  static async start(overrides: Partial<Omit<RunnerConfig, 'messaging'>> = {}): Promise<RunnerHarness> {
    const messaging: MessagingOptions = testMessagingOptions('runner-test');
    const client = await connectTestClient(messaging);
    const workspacesDir = overrides.workspacesDir ?? (await mkdtemp(path.join(tmpdir(), 'orch-runner-')));
    const config: RunnerConfig = {
      messaging: asApp(messaging, 'runner'),
      runnerId: 'runner@test',
      cliPath: FAKE_CLAUDE_PATH,
      apiKey: 'sk-ant-test-harness-key-0123456789',
      credentialName: 'default',
      permissionMode: 'acceptEdits',
      model: null,
      maxTurns: 0,
      allowedTools: [],
      codex: { cliPath: REAL_CODEX_PATH, apiKey: 'sk-proj-test-harness-openai-key-0123456789', model: null },
      stageExecutors: {},
      workspaceAllowedRoots: [],
      workspaceKeep: false,
      killGraceMs: 500,
      logBatchMs: 50,
      heartbeatMs: 500,
      agentEnvPassthrough: FAKE_CLAUDE_ENV,
      execution: 'host',
      localExecution: overrides.execution === 'container' ? null : (overrides.execution ?? 'host'),
      bwrapPath: '/usr/bin/bwrap',
      dockerPath: 'docker',
      sandboxReadPaths: [],
      boardPublicUrl: null,
      pullRequestPollS: 1,
      ...overrides,
      workspacesDir,
    };
    const app = await startRunner(config).catch(async (error: unknown) => {
      await client.close();
      throw error;
    });
    return new RunnerHarness(config, client, app, overrides.workspacesDir === undefined);
  }

  get subjects() {
    return this.client.subjects;
  }

  /** Schedules a stage attempt on the task's subject and sends its RunStage. */
  async schedule(options: ScheduleOptions = {}): Promise<ScheduledStage> {
    const at = new Date().toISOString();
    const origin = { producer: 'orchestrator@test', occurredAt: at };
    const taskId = options.taskId ?? uuidv7();
    const orchestrationId = deterministicId(taskId, 'orchestration');
    const stageType = options.stageType ?? 'implementation';
    const attempt = options.attempt ?? 1;
    const round = options.round ?? 0;
    const stageId = deterministicId(orchestrationId, stageType, round);
    const workspace = options.workspace ?? { repoPath: null, baseBranch: null };
    const context: StageContext = {
      taskTitle: options.title ?? 'Add a health endpoint',
      taskDescription: options.description ?? 'GET /health answers 200',
      ...options.context,
    };
    if (!this.created.has(taskId)) {
      this.created.add(taskId);
      await this.append(newMessage('TaskCreated', taskId, { taskId, title: context.taskTitle, description: context.taskDescription, ...workspace }, origin));
      await this.append(newMessage('OrchestrationStarted', taskId, { taskId, orchestrationId }, origin));
    }
    const scheduled = newMessage('StageScheduled', taskId, { taskId, orchestrationId, stageId, stageType, attempt, round, context }, origin);
    const seq = await this.append(scheduled);
    const command = causedMessage(
      scheduled,
      'RunStage',
      taskId,
      {
        taskId,
        orchestrationId,
        stageId,
        stageType,
        attempt,
        context,
        lease: { leaseId: deterministicId(stageId, attempt, 'lease'), poolId: 'default', slot: 0, port: options.port ?? 18_999, containerId: options.containerId ?? 'local-0' },
        workspace,
        timeoutS: options.timeoutS ?? 60,
        expectedTaskSequence: seq,
      },
      origin,
    );
    await this.publisher.send(command);
    return { taskId, orchestrationId, stageId, stageType, attempt, command };
  }

  /** Appends an event as the orchestrator would (no expected sequence). */
  async append(event: OrchEvent): Promise<number> {
    const result = await this.publisher.append(event);
    if (!result.ok) throw new Error(`could not append ${event.type}`);
    return result.seq;
  }

  /** Ends a task as the orchestrator does: its orchestration's end on the task, then its slot released on the scheduler (the runners' cue). */
  async endTask(taskId: string, orchestrationId: string): Promise<void> {
    const origin = { producer: 'orchestrator@test', occurredAt: new Date().toISOString() };
    await this.append(newMessage('OrchestrationCompleted', taskId, { taskId, orchestrationId, completedAt: origin.occurredAt }, origin));
    await this.append(newMessage('OrchestrationReleased', SCHEDULER_AGGREGATE, { taskId, orchestrationId, outcome: 'completed' }, origin));
  }

  async send(command: Parameters<MessagePublisher['send']>[0]): Promise<void> {
    await this.publisher.send(command);
  }

  /** The events of the task's subject, in order. */
  async taskEvents(taskId: string): Promise<OrchEvent[]> {
    return (await readEventLog(this.client, this.subjects.task(taskId))).map((logged) => logged.event);
  }

  /** The attempt's terminal events (there must be exactly one, eventually). */
  async outcomes(stage: Pick<ScheduledStage, 'taskId' | 'stageId' | 'attempt'>): Promise<StageOutcome[]> {
    const events = await this.taskEvents(stage.taskId);
    return events.filter(isStageOutcome).filter((event) => event.data.stageId === stage.stageId && event.data.attempt === stage.attempt);
  }

  /** Waits for the attempt's first terminal event. */
  async outcome(stage: ScheduledStage, timeoutMs = 30_000): Promise<StageOutcome> {
    return eventually(async () => (await this.outcomes(stage))[0], timeoutMs, `an outcome of ${stage.stageType} attempt ${stage.attempt}`);
  }

  /** Waits for an outcome of the given type and returns its data. */
  async outcomeOf<T extends TerminalType>(stage: ScheduledStage, type: T, timeoutMs = 30_000): Promise<MessageData<T>> {
    const outcome = await this.outcome(stage, timeoutMs);
    if (outcome.type !== type) throw new Error(`expected ${type}, got ${outcome.type}: ${JSON.stringify(outcome.data)}`);
    return outcome.data as MessageData<T>;
  }

  /** Every line of agent output the runner shipped to ORCH_LOGS for the task, in order. */
  async logLines(taskId: string): Promise<Line[]> {
    const stored = await readStream(this.client, this.subjects.logsStream, `${this.subjects.root}.log.${taskId}.>`);
    const lines = stored.flatMap((message) => (JSON.parse(message.text) as MessageOf<'RunOutputLogged'>).data.lines);
    return lines.sort((a, b) => a.index - b.index);
  }

  /** Everything ORCH_EVENTS and ORCH_LOGS hold, raw (payloads and headers), to search for leaks. */
  async rawStreams(): Promise<string> {
    const events = await readStream(this.client, this.subjects.eventsStream);
    const logs = await readStream(this.client, this.subjects.logsStream);
    return [...events, ...logs].map((message) => `${message.subject}\n${message.headers}\n${message.text}`).join('\n');
  }

  /** Stops the runner app only (its streams stay readable); `stop()` still cleans up. */
  async closeRunner(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.app.close();
  }

  async stop(): Promise<void> {
    await this.closeRunner();
    await dropTestStreams(this.client);
    if (this.ownWorkspacesDir) await rm(this.config.workspacesDir, { recursive: true, force: true });
  }
}
