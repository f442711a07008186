import { Logger, type INestMicroservice } from '@nestjs/common';
import { startMicroservice, subjectsOf } from '@app/messaging';
import type { RunnerConfig } from './runner.config';
import { RunnerModule } from './runner.module';

/** The runner, one of a group sharing the run commands. */
export function startRunner(config: RunnerConfig): Promise<INestMicroservice> {
  const logger = new Logger('Runner');
  logger.log(`Runner ${config.runnerId} runs ${config.cliPath} in ${config.workspacesDir}`);
  if (config.execution === 'container') {
    logger.log(`Agents on Docker leases run in containers of their own (${config.dockerPath}); on local slots ${config.localExecution === null ? 'they do not run (RUNNER_EXECUTION=container)' : `they run as RUNNER_EXECUTION=${config.localExecution}`}`);
  }
  if (config.execution === 'sandbox' || config.localExecution === 'sandbox') logger.log(`Agents run under bubblewrap (${config.bwrapPath}): writable only their worktree and config dir, network only the model API and their slot`);
  else if (config.execution === 'host' || config.localExecution === 'host') logger.warn('Agents run on the host without a sandbox (RUNNER_EXECUTION=host, or no bubblewrap installed): they can read and write what the runner can and reach every service on this host');
  if (!config.apiKey) logger.warn('CLAUDE_API_KEY is not set: stages will fail with the CLI\'s authentication error');
  return startMicroservice(RunnerModule.forRoot(config), {
    messaging: config.messaging,
    connectionName: 'runner-consumers',
    consumers: [
      // a work queue: each command goes to one runner of the group
      { durable: 'runner-commands', stream: 'commands', filterSubject: subjectsOf(config.messaging).commandsFor('runner') },
      // task ends (their slot released on the scheduler subject), each to one runner of the group, which
      // removes the task's workspace (WORKSPACES_DIR is shared by the group)
      { durable: 'runner-releases', stream: 'events', filterSubject: subjectsOf(config.messaging).scheduler, deliverPolicy: 'new' },
    ],
    // the consumer of every task event it replaces
    retiredConsumers: [{ durable: 'runner-task-ends', stream: 'events' }],
  });
}
