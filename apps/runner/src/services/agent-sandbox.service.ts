import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import path from 'node:path';
import type { LeaseRef } from '@app/contracts';
import { failConfig } from '@app/config';
import { isContainerLease } from '../domain/container';
import { sandboxApiPort, sandboxArgs, sandboxEnv, sandboxProbeArgs, upstreamApi } from '../domain/sandbox';
import { ProcessRepository } from '../repositories/process.repository';
import { SandboxRepository } from '../repositories/sandbox.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import { AgentContainer } from './agent-container.service';
import type { ModelApi } from '../domain/executor';
import type { Workspace } from './workspace.service';

/** How one agent run is started: the program, its arguments and environment, and what to undo when it ended. */
export interface AgentLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  close(): Promise<void>;
}

/** The agent's lease is of a local slot, and RUNNER_EXECUTION=container allows none: not retryable. */
export class ExecutionRefused extends Error {
  override readonly name = 'ExecutionRefused';
}

/**
 * Where the agent runs (RUNNER_EXECUTION). `container`: in a container of its own beside its
 * Docker lease (AgentContainer); a local slot's lease then runs as `localExecution` says.
 * `host`: as the runner's child, as it is.
 * `sandbox`: under bubblewrap (see sandboxArgs), its network only two forwards the runner
 * opens for the run — the model API (ANTHROPIC_BASE_URL of the runner, else Anthropic's)
 * and the slot's port — so NATS, Postgres and the gateway on this host are out of reach.
 */
@Injectable()
export class AgentSandbox implements OnModuleInit {
  constructor(
    private readonly sandbox: SandboxRepository,
    private readonly processes: ProcessRepository,
    private readonly containers: AgentContainer,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  /** A sandbox that cannot be made here (user namespaces off, a broken bwrap) stops the boot, instead of failing every stage. */
  async onModuleInit(): Promise<void> {
    if (this.config.execution !== 'sandbox' && this.config.localExecution !== 'sandbox') return;
    const node = await this.node();
    const probe = await this.processes.exec(this.config.bwrapPath, sandboxProbeArgs(await this.sandbox.systemEntries(), node.path, node.readOnly), { cwd: '/', timeoutMs: 30_000, env: { PATH: process.env.PATH ?? '' } });
    if (probe.exitCode === 0) return;
    const words = probe.stderr.trim() || `exit ${probe.exitCode ?? 'unknown'}`;
    failConfig(`runner: invalid configuration:\n  RUNNER_EXECUTION: sandbox, but ${this.config.bwrapPath} cannot make a sandbox here: ${words}; enable user namespaces, or set RUNNER_EXECUTION=host to run the agent unconfined`);
  }

  async launch(workspace: Workspace, lease: LeaseRef, file: string, args: string[], env: Record<string, string>, api: ModelApi): Promise<AgentLaunch> {
    const execution = this.executionFor(lease);
    if (execution === 'container') return this.containers.launch(workspace, lease, file, args, env, api);
    const backendPort = lease.port;
    const unconfined = { file, args, env, close: async () => undefined };
    if (execution === 'host') return unconfined;
    const cli = await this.sandbox.resolveProgram(file);
    // nothing to run: started as it is, it fails to start as it would on the host (ENOENT naming CLAUDE_CLI_PATH), and runs nothing
    if (cli === null) return unconfined;
    const apiPort = sandboxApiPort(backendPort);
    const forwards = await this.sandbox.openForwards([
      { kind: 'http', upstream: upstreamApi(api, process.env) },
      { kind: 'tcp', host: '127.0.0.1', port: backendPort },
    ]);
    try {
      const node = await this.node();
      const readOnly = [path.dirname(cli), ...node.readOnly, ...this.config.sandboxReadPaths];
      // the repository's git data, so the agent's own git can read its worktree (and change nothing there)
      if (workspace.gitDir !== null) readOnly.push(path.resolve(workspace.gitDir, '..', '..'));
      const plan = {
        nodePath: node.path,
        cwd: workspace.cwd,
        configDir: workspace.configDir,
        readOnly,
        systemEntries: await this.sandbox.systemEntries(),
        socketsDir: forwards.socketsDir,
        forwards: [
          { port: apiPort, socketPath: forwards.socketPaths[0] },
          { port: backendPort, socketPath: forwards.socketPaths[1] },
        ],
      };
      return {
        file: this.config.bwrapPath,
        args: sandboxArgs(plan, cli, args),
        env: sandboxEnv(env, { api: apiPort, backend: backendPort }, workspace.configDir, api),
        close: () => forwards.close(),
      };
    } catch (error) {
      await forwards.close();
      throw error;
    }
  }

  /** Where the agent reaches its model API: the loopback forward when confined, else the runner's own address for it. */
  apiBaseUrl(lease: LeaseRef, api: ModelApi): string {
    if (this.executionFor(lease) !== 'host') return `http://127.0.0.1:${sandboxApiPort(lease.port)}`;
    return upstreamApi(api, process.env).toString().replace(/\/$/, '');
  }

  /** How this lease's agent runs: in a container only on a Docker lease; a local slot's as `localExecution` says. */
  executionFor(lease: LeaseRef): RunnerConfig['execution'] {
    if (this.config.execution !== 'container' || isContainerLease(lease)) return this.config.execution;
    if (this.config.localExecution === null) {
      throw new ExecutionRefused(`RUNNER_EXECUTION=container runs the agent in its leased container, but ${lease.containerId} is a local slot (POOL_DRIVER=local): use the Docker driver, or RUNNER_EXECUTION=sandbox`);
    }
    return this.config.localExecution;
  }

  /** The runner's own node, which runs the forwarder inside, and what to bind for it: its prefix when it is installed outside /usr (nvm, /opt). */
  private async node(): Promise<{ path: string; readOnly: string[] }> {
    const node = (await this.sandbox.realPath(process.execPath)) ?? process.execPath;
    return { path: node, readOnly: node.startsWith('/usr/') ? [] : [path.dirname(path.dirname(node))] };
  }
}
