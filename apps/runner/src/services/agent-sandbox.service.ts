import { Inject, Injectable } from '@nestjs/common';
import path from 'node:path';
import { sandboxApiPort, sandboxArgs, sandboxEnv, upstreamApi } from '../domain/sandbox';
import { SandboxRepository } from '../repositories/sandbox.repository';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';
import type { Workspace } from './workspace.service';

/** How one agent run is started: the program, its arguments and environment, and what to undo when it ended. */
export interface AgentLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * Where the agent runs (RUNNER_EXECUTION). `host`: as the runner's child, as it is.
 * `sandbox`: under bubblewrap (see sandboxArgs), its network only two forwards the runner
 * opens for the run — the model API (ANTHROPIC_BASE_URL of the runner, else Anthropic's)
 * and the slot's port — so NATS, Postgres and the gateway on this host are out of reach.
 */
@Injectable()
export class AgentSandbox {
  constructor(
    private readonly sandbox: SandboxRepository,
    @Inject(RUNNER_CONFIG) private readonly config: RunnerConfig,
  ) {}

  async launch(workspace: Workspace, backendPort: number, file: string, args: string[], env: Record<string, string>): Promise<AgentLaunch> {
    const unconfined = { file, args, env, close: async () => undefined };
    if (this.config.execution === 'host') return unconfined;
    const cli = await this.sandbox.resolveProgram(file);
    // nothing to run: started as it is, it fails to start as it would on the host (ENOENT naming CLAUDE_CLI_PATH), and runs nothing
    if (cli === null) return unconfined;
    const apiPort = sandboxApiPort(backendPort);
    const forwards = await this.sandbox.openForwards([
      { kind: 'http', upstream: upstreamApi(process.env.ANTHROPIC_BASE_URL) },
      { kind: 'tcp', host: '127.0.0.1', port: backendPort },
    ]);
    try {
      const node = (await this.sandbox.realPath(process.execPath)) ?? process.execPath;
      const readOnly = [path.dirname(cli), ...this.config.sandboxReadPaths];
      // node installed outside /usr (nvm, /opt): its whole prefix, for its libraries
      if (!node.startsWith('/usr/')) readOnly.push(path.dirname(path.dirname(node)));
      // the repository's git data, so the agent's own git can read its worktree (and change nothing there)
      if (workspace.gitDir !== null) readOnly.push(path.resolve(workspace.gitDir, '..', '..'));
      const plan = {
        nodePath: node,
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
        env: sandboxEnv(env, { api: apiPort, backend: backendPort }, workspace.configDir),
        close: () => forwards.close(),
      };
    } catch (error) {
      await forwards.close();
      throw error;
    }
  }
}
