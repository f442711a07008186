import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import type { LeaseRef } from '@app/contracts';
import { failConfig } from '@app/config';
import { CONTAINER_AGENT_ID, CONTAINER_PATHS, containerEnv, containerRunArgs, identityFiles, isNodeScript } from '../domain/container';
import { sandboxApiPort, sandboxEnv, upstreamApi } from '../domain/sandbox';
import { clientEnv, ContainerRepository } from '../repositories/container.repository';
import { ProcessRepository } from '../repositories/process.repository';
import { SandboxRepository } from '../repositories/sandbox.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import type { AgentLaunch } from './agent-sandbox.service';
import type { ModelApi } from '../domain/executor';
import type { Workspace } from './workspace.service';

/**
 * RUNNER_EXECUTION=container: the agent runs in a container of its own next to its leased
 * one (see containerRunArgs): the leased container's image and limits, network `none`, the
 * runner's node and CLI bound read-only, the worktree at /workspace. The container's
 * loopback reaches the model API and the slot's port through the runner's unix sockets,
 * as in the sandbox. When the runner is root, the agent runs as uid 1000, owning the
 * task's worktree and config dir for the run; they are given back before the runner commits.
 */
@Injectable()
export class AgentContainer implements OnModuleInit {
  private readonly logger = new Logger('Runner');
  private readonly libraries = new Map<string, Promise<string[]>>();
  /** this runner's process start time: with its pid and host, on each agent container it starts */
  private runnerStart = '';

  constructor(
    private readonly containers: ContainerRepository,
    private readonly sandbox: SandboxRepository,
    private readonly processes: ProcessRepository,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  /**
   * With RUNNER_EXECUTION=container given, a docker client that reaches no engine stops the
   * boot (unset, the runner warns: it then gets no Docker lease from the pool on this engine).
   * Then the containers of agents whose runner on this host is gone (SIGKILLed: its agent
   * record ends the docker client, not the container) are removed; those of a runner that
   * still runs are left.
   */
  async onModuleInit(): Promise<void> {
    if (this.config.execution !== 'container') return;
    const engine = await this.containers.engineVersion(this.config.dockerPath);
    if ('error' in engine) {
      // explicit: nothing could run; the default: no engine here means no Docker leases either (the pool-manager's is the same)
      if (this.config.localExecution === null) failConfig(`runner: invalid configuration:\n  RUNNER_EXECUTION: container, but ${this.config.dockerPath} reaches no Docker engine: ${engine.error}`);
      this.logger.warn(`${this.config.dockerPath} reaches no Docker engine (${engine.error}): an agent on a Docker lease would fail to start`);
      return;
    }
    this.logger.log(`Agents on Docker leases run in containers of their own (Docker ${engine.version}): network none, non-root, the leased container's image and limits`);
    this.runnerStart = (await this.processes.startTimeOf(process.pid)) ?? '';
    await this.removeOrphans().catch((error: unknown) => this.logger.warn(`Could not look for the agent containers of runners that are gone: ${(error as Error).message}`));
  }

  private async removeOrphans(): Promise<void> {
    for (const agent of await this.containers.agentContainers(this.config.dockerPath, hostname())) {
      const alive = agent.runnerPid !== null && (await this.processes.startTimeOf(agent.runnerPid)) === agent.runnerStart;
      if (alive) continue;
      await this.containers.remove(this.config.dockerPath, agent.id);
      this.logger.warn(`Removed the agent container ${agent.id.slice(0, 12)} of a runner that is gone (pid ${agent.runnerPid ?? 'unknown'})`);
    }
  }

  async launch(workspace: Workspace, lease: LeaseRef, file: string, args: string[], env: Record<string, string>, api: ModelApi): Promise<AgentLaunch> {
    const docker = (await this.sandbox.resolveProgram(this.config.dockerPath)) ?? this.config.dockerPath;
    const leased = await this.containers.inspect(docker, lease.containerId);
    if (leased === null || !leased.running) throw new Error(`the leased container ${lease.containerId.slice(0, 12)} is not running`);
    const cli = await this.sandbox.resolveProgram(file);
    if (cli === null) throw new Error(`the agent CLI ${file} does not exist (CLAUDE_CLI_PATH, CODEX_CLI_PATH)`);
    const node = (await this.sandbox.realPath(process.execPath)) ?? process.execPath;
    const runnerUid = process.getuid?.() ?? CONTAINER_AGENT_ID;
    const runnerGid = process.getgid?.() ?? CONTAINER_AGENT_ID;
    const uid = runnerUid === 0 ? CONTAINER_AGENT_ID : runnerUid;
    const gid = runnerUid === 0 ? CONTAINER_AGENT_ID : runnerGid;
    const apiPort = sandboxApiPort(lease.port);
    const forwards = await this.sandbox.openForwards(
      [
        { kind: 'http', upstream: upstreamApi(api, process.env) },
        { kind: 'tcp', host: '127.0.0.1', port: lease.port },
      ],
      { otherUsers: true },
    );
    const identityDir = await mkdtemp(path.join(tmpdir(), 'orch-agent-id-'));
    const name = `orch-agent-${lease.slot}-${randomBytes(6).toString('hex')}`;
    let handedOver = false;
    const close = async () => {
      await this.containers.remove(docker, name).catch((error: unknown) => this.logger.warn(`Could not remove the agent's container ${name}: ${(error as Error).message}`));
      await forwards.close();
      await rm(identityDir, { recursive: true, force: true });
      if (handedOver) await this.handBack(workspace, runnerUid, runnerGid);
    };
    try {
      const identity = identityFiles(uid, gid);
      await writeFile(path.join(identityDir, 'passwd'), identity.passwd, { mode: 0o644 });
      await writeFile(path.join(identityDir, 'group'), identity.group, { mode: 0o644 });
      const libraries = [...new Set([...(await this.librariesOf(node)), ...(await this.librariesOf(cli))])];
      const files = [
        { source: path.join(identityDir, 'passwd'), target: '/etc/passwd' },
        { source: path.join(identityDir, 'group'), target: '/etc/group' },
        { source: node, target: node },
        ...(await Promise.all(libraries.map(async (library) => ({ source: (await this.sandbox.realPath(library)) ?? library, target: library })))),
      ];
      const readOnly = [path.dirname(cli)];
      // the repository's git data, so the agent's own git can read its worktree (and change nothing there)
      if (workspace.gitDir !== null) readOnly.push(path.resolve(workspace.gitDir, '..', '..'));
      const inside = containerEnv(sandboxEnv(env, { api: apiPort, backend: lease.port }, CONTAINER_PATHS.configDir, api), path.dirname(node));
      const script = isNodeScript(await this.containers.head(cli));
      const plan = {
        name,
        leased,
        user: `${uid}:${gid}`,
        workspaceDir: workspace.cwd,
        configDir: workspace.configDir,
        socketsDir: forwards.socketsDir,
        files,
        readOnly,
        nodePath: node,
        forwards: [
          { port: apiPort, socketPath: path.posix.join(CONTAINER_PATHS.sockets, path.basename(forwards.socketPaths[0] ?? '')) },
          { port: lease.port, socketPath: path.posix.join(CONTAINER_PATHS.sockets, path.basename(forwards.socketPaths[1] ?? '')) },
        ],
        envNames: Object.keys(inside),
        labels: {
          'orch.app': 'orchestrator-manager',
          'orch.agent-of': leased.id,
          'orch.runner-host': hostname(),
          'orch.runner-pid': String(process.pid),
          'orch.runner-start': this.runnerStart,
        },
      };
      if (uid !== runnerUid) {
        handedOver = true;
        await this.containers.chownTree(workspace.cwd, uid, gid);
        await this.containers.chownTree(workspace.configDir, uid, gid);
      }
      return {
        file: docker,
        args: containerRunArgs(plan, script ? node : cli, script ? [cli, ...args] : args),
        // the values reach the container through the client's environment (`--env NAME`), never its command line
        env: { ...clientEnv(), ...inside },
        close,
      };
    } catch (error) {
      await close();
      throw error;
    }
  }

  /** The worktree and config dir back to the runner's user, so its own git and file calls see its files. */
  private async handBack(workspace: Workspace, uid: number, gid: number): Promise<void> {
    await this.containers.chownTree(workspace.cwd, uid, gid);
    await this.containers.chownTree(workspace.configDir, uid, gid);
  }

  private librariesOf(file: string): Promise<string[]> {
    let libraries = this.libraries.get(file);
    if (libraries === undefined) {
      libraries = this.containers.libraries(file);
      this.libraries.set(file, libraries);
    }
    return libraries;
  }
}
