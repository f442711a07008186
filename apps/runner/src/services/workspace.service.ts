import { Inject, Injectable } from '@nestjs/common';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WorkspaceSpec } from '@app/contracts';
import { COMMAND_TEMPLATES } from '../domain/prompt';
import { RUNNER_CONFIG, type RunnerConfig } from '../runner.config';

export interface Workspace {
  /** where the agent runs */
  cwd: string;
  /** the task's own CLAUDE_CONFIG_DIR, so sessions can be resumed per task */
  configDir: string;
}

/** A task's working directory, with the project's slash commands in `.claude/commands/`. */
@Injectable()
export class WorkspaceService {
  constructor(@Inject(RUNNER_CONFIG) private readonly config: RunnerConfig) {}

  async prepare(taskId: string, _spec: WorkspaceSpec): Promise<Workspace> {
    const root = path.join(this.config.workspacesDir, 'tasks', taskId);
    const cwd = path.join(root, 'work');
    const configDir = path.join(root, 'claude-config');
    const commands = path.join(cwd, '.claude', 'commands');
    await mkdir(commands, { recursive: true });
    await mkdir(configDir, { recursive: true });
    for (const [name, text] of Object.entries(COMMAND_TEMPLATES)) {
      await writeFile(path.join(commands, name), text, 'utf8');
    }
    return { cwd, configDir };
  }
}
