import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { leftoverAction, type AgentRecord } from '../domain/agent-leftovers';
import { ProcessRepository } from '../repositories/process.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';

/** The attempt an agent runs, as its record names it. */
export interface AgentOf {
  taskId: string;
  stageId: string;
  attempt: number;
}

/**
 * Keeps a record of every agent this runner runs (`WORKSPACES_DIR/agents/<pid>.json`), so
 * a runner that was SIGKILLed — and could not end its agents' process groups — leaves a
 * trace: at start, the runner ends the groups of the agents whose runner is gone, before it
 * takes any command.
 */
@Injectable()
export class AgentRecords implements OnApplicationBootstrap {
  private readonly logger = new Logger('Runner');
  private readonly dir: string;
  private readonly host = hostname();
  private runnerStartTime: Promise<string | null> | null = null;

  constructor(
    private readonly processes: ProcessRepository,
    @Inject(RUNNER_CONFIG) config: RunnerConfig,
  ) {
    this.dir = path.join(config.workspacesDir, 'agents');
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.endLeftovers();
  }

  /** Writes the record of an agent that just started; a failure is logged, the run goes on. */
  async record(pid: number, agent: AgentOf): Promise<void> {
    try {
      const [agentStartTime, runnerStartTime] = await Promise.all([this.processes.startTimeOf(pid), this.ownStartTime()]);
      if (agentStartTime === null || runnerStartTime === null) return; // already gone, or no /proc: nothing to find later
      const record: AgentRecord = { host: this.host, agentPid: pid, agentStartTime, runnerPid: process.pid, runnerStartTime, ...agent };
      await mkdir(this.dir, { recursive: true });
      await writeFile(this.fileOf(pid), JSON.stringify(record), 'utf8');
    } catch (error) {
      this.logger.warn(`Could not record agent ${pid} of task ${agent.taskId}: ${(error as Error).message}`);
    }
  }

  /** The agent ended and its group with it. */
  async forget(pid: number): Promise<void> {
    await rm(this.fileOf(pid), { force: true }).catch((error: unknown) => this.logger.warn(`Could not remove the record of agent ${pid}: ${(error as Error).message}`));
  }

  /** Ends the process groups of agents left by runners that are gone; resolves with how many were ended. */
  async endLeftovers(): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let ended = 0;
    for (const name of names.filter((entry) => entry.endsWith('.json'))) {
      const file = path.join(this.dir, name);
      const record = await readRecord(file);
      if (record === null) {
        await rm(file, { force: true });
        continue;
      }
      const [agentStartTime, runnerStartTime] = await Promise.all([this.processes.startTimeOf(record.agentPid), this.processes.startTimeOf(record.runnerPid)]);
      const action = leftoverAction(record, { agentStartTime, runnerStartTime }, this.host);
      if (action === 'keep') continue;
      if (action === 'end' && this.processes.killGroup(record.agentPid, 'SIGKILL')) {
        ended += 1;
        this.logger.warn(`Ended agent ${record.agentPid} (and its process group) of task ${record.taskId}, attempt ${record.attempt}: its runner ${record.runnerPid} is gone`);
      }
      await rm(file, { force: true });
    }
    return ended;
  }

  private ownStartTime(): Promise<string | null> {
    this.runnerStartTime ??= this.processes.startTimeOf(process.pid);
    return this.runnerStartTime;
  }

  private fileOf(pid: number): string {
    return path.join(this.dir, `${pid}.json`);
  }
}

async function readRecord(file: string): Promise<AgentRecord | null> {
  try {
    const value = JSON.parse(await readFile(file, 'utf8')) as Partial<AgentRecord>;
    const complete =
      typeof value.host === 'string' &&
      Number.isInteger(value.agentPid) &&
      typeof value.agentStartTime === 'string' &&
      Number.isInteger(value.runnerPid) &&
      typeof value.runnerStartTime === 'string';
    return complete ? (value as AgentRecord) : null;
  } catch {
    return null; // half written (the runner died while writing it) or not a record
  }
}
