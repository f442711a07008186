import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually, makeGitRepo } from '@app/testing';
import { RunnerHarness } from '@test/support';
import { processesUnder } from '../../../libs/testing/src/leftovers';
import { expectHostileAttemptsContained, expectThreeStagesThroughTheForwards, startAgentServices, type AgentServices, type ContainedRun } from '../../../test/support/contained-agent';
import { useSuite } from '../../../test/support/suite';

/**
 * The agent under bubblewrap (RUNNER_EXECUTION=sandbox), with the fake CLI: it runs, its
 * work is committed, it reaches its slot and the model API through the runner's forwards —
 * and nothing else: not NATS, not Postgres, not a service on the host's loopback, not a
 * file outside its worktree, not the repository's hooks.
 */
describe('the agent in its sandbox (bubblewrap)', () => {
  let scratch: string;
  let allowed: string;
  let harness: RunnerHarness;
  let services: AgentServices;
  let run: ContainedRun;
  const natsUrl = new URL(process.env.NATS_URL ?? 'nats://127.0.0.1:4222');

  useSuite(async (keep) => {
    scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'runner-sandbox-')));
    allowed = path.join(scratch, 'repos');
    keep(() => rm(scratch, { recursive: true, force: true }));
    services = keep(await startAgentServices());
    harness = keep(await RunnerHarness.start({ execution: 'sandbox', workspaceAllowedRoots: [allowed], workspacesDir: path.join(scratch, 'workspaces') }));
    run = { harness, services, allowed, workspacesDir: path.join(scratch, 'workspaces') };
  }, 30_000);

  it('given a task in a repository, then spec, implementation and QA run sandboxed: the work is committed on the branch and the slot and the model API answer through the forwards', async () => {
    await expectThreeStagesThroughTheForwards(run);
  }, 60_000);

  it('given a hostile implementation, then each of its attempts is blocked, the runner commits without running its hooks, and QA runs the original review prompt', async () => {
    await expectHostileAttemptsContained(run, scratch, natsUrl);
  }, 60_000);

  it('given a sandboxed agent that hangs with a child, when its deadline passes, then the group kill ends everything inside the sandbox', async () => {
    const repo = await makeGitRepo(allowed, 'hang');
    const stage = await harness.schedule({ workspace: { repoPath: repo, baseBranch: 'main' }, port: services.backend.port, timeoutS: 3, description: 'Hang [[fake:hang-with-child]]' });
    const worktree = path.join(scratch, 'workspaces', 'tasks', stage.taskId, 'work');
    await eventually(async () => ((await processesUnder(worktree)).length >= 3 ? true : undefined), 10_000, 'bwrap, the forwarder, the agent and its child to run');
    await harness.outcomeOf(stage, 'StageTimedOut');
    await eventually(async () => ((await processesUnder(worktree)).length === 0 ? true : undefined), 10_000, 'every process of the sandbox to be gone');
  }, 30_000);

  it('given a CLI that is not there, then StageFailed names CLAUDE_CLI_PATH as on the host, and is not retryable', async () => {
    const missing = await RunnerHarness.start({ execution: 'sandbox', cliPath: '/nonexistent/bin/claude', workspacesDir: path.join(scratch, 'missing') });
    try {
      const failed = await missing.outcomeOf(await missing.schedule(), 'StageFailed');
      expect(failed).toMatchObject({ retryable: false, reason: 'the Claude CLI could not be started from /nonexistent/bin/claude (ENOENT); install it with npm ci or set CLAUDE_CLI_PATH' });
    } finally {
      await missing.stop();
    }
  }, 30_000);

  it('given a bubblewrap that cannot make a sandbox here (user namespaces off), then the runner does not start, naming RUNNER_EXECUTION and bwrap\'s words', async () => {
    const brokenBwrap = path.join(scratch, 'bwrap-without-userns');
    await writeFile(brokenBwrap, "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n", { mode: 0o755 });
    await expect(RunnerHarness.start({ execution: 'sandbox', bwrapPath: brokenBwrap, workspacesDir: path.join(scratch, 'broken') })).rejects.toThrow(
      `RUNNER_EXECUTION: sandbox, but ${brokenBwrap} cannot make a sandbox here: bwrap: No permissions to create new namespace; enable user namespaces, or set RUNNER_EXECUTION=host to run the agent unconfined`,
    );
  }, 30_000);

  it('given the sandboxed agent, then the host loopback port of NATS is open to the runner itself (so the refusal inside is the sandbox, not a closed port)', async () => {
    const reachable = await new Promise<boolean>((resolve) => {
      const socket = net.connect(Number(natsUrl.port || 4222), natsUrl.hostname, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    expect(reachable).toBe(true);
  });
});
