import { mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { newMessage } from '@app/contracts';
import { dockerCli, ensureTestImage, eventually, removeContainersLabelled, TEST_CONTAINER_IMAGE } from '@app/testing';
import { RunnerHarness } from '@test/support';
import { expectHostileAttemptsContained, expectThreeStagesThroughTheForwards, linesOf, startAgentServices, type AgentServices, type ContainedRun } from '../../../test/support/contained-agent';
import { useSuite } from '../../../test/support/suite';

/**
 * The agent in a container (RUNNER_EXECUTION=container) beside a leased Docker container,
 * with the fake CLI: it runs as a non-root user with the leased container's limits, its work
 * is committed, it reaches its slot and the model API through the runner's forwards — and
 * nothing else; on timeout its container goes.
 */
describe('the agent in its container (Docker)', () => {
  let scratch: string;
  let allowed: string;
  let harness: RunnerHarness;
  let leasedId: string;
  let services: AgentServices;
  let run: ContainedRun;
  const natsUrl = new URL(process.env.NATS_URL ?? 'nats://127.0.0.1:4222');
  const suiteLabel = `runner-container-${process.pid}`;

  useSuite(async (keep) => {
    ensureTestImage();
    scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'runner-container-')));
    allowed = path.join(scratch, 'repos');
    keep(() => rm(scratch, { recursive: true, force: true }));
    services = keep(await startAgentServices());
    // the leased container, as the pool's Docker driver makes it: the agent's container takes its image and limits
    leasedId = await dockerCli('run', '-d', '--network', 'none', '--label', `orch.test=${suiteLabel}`, '--memory', '256m', '--cpus', '0.5', '--pids-limit', '96', '--cap-drop', 'ALL', TEST_CONTAINER_IMAGE);
    keep(() => removeContainersLabelled('orch.test', suiteLabel));
    harness = keep(await RunnerHarness.start({ execution: 'container', workspaceAllowedRoots: [allowed], workspacesDir: path.join(scratch, 'workspaces'), killGraceMs: 1_000 }));
    run = { harness, services, allowed, workspacesDir: path.join(scratch, 'workspaces'), containerId: leasedId };
  });

  const agentContainers = () => dockerCli('ps', '-a', '-q', '--filter', `label=orch.agent-of=${leasedId}`);

  it('given a task in a repository, then spec, implementation and QA run in containers: the work is committed on the branch, the slot and the model API answer through the forwards, and the files are the runner\'s again', async () => {
    const taskId = await expectThreeStagesThroughTheForwards(run);
    const init = (await linesOf(harness, taskId, 'init'))[0];
    expect(init?.cwd).toBe('/workspace');
    const worktree = path.join(scratch, 'workspaces', 'tasks', taskId, 'work');
    expect((await stat(path.join(worktree, 'src', 'health.ts'))).uid).toBe(process.getuid?.());
    expect(await agentContainers()).toBe('');
  }, 90_000);

  it('given an agent that looks at its container, then it is not root, has no capabilities, no Docker socket, a read-only root and the leased container\'s pids and memory limits', async () => {
    const probe = [
      "const fs = require('node:fs');",
      "const status = fs.readFileSync('/proc/self/status', 'utf8');",
      "const read = (...files) => files.map((f) => { try { return fs.readFileSync(f, 'utf8').trim(); } catch { return null; } }).find(Boolean);",
      "const pidsMax = read('/sys/fs/cgroup/pids.max', '/sys/fs/cgroup/pids/pids.max');",
      "const memoryMax = read('/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes');",
      "let rootWritable = true; try { fs.writeFileSync('/probe', 'x'); } catch (e) { rootWritable = e.code; }",
      "console.log(JSON.stringify({ type: 'system', subtype: 'probe', uid: process.getuid(), capEff: /CapEff:\\s+(\\w+)/.exec(status)[1], noNewPrivs: /NoNewPrivs:\\s+(\\d)/.exec(status)[1], dockerSock: fs.existsSync('/var/run/docker.sock'), rootWritable, pidsMax, memoryMax }));",
      "console.log(JSON.stringify({ type: 'result', subtype: 'success', is_error: false, result: 'probed', num_turns: 1, total_cost_usd: 0, duration_ms: 1, session_id: '00000000-0000-4000-8000-000000000000', usage: { input_tokens: 1, output_tokens: 1 } }));",
    ].join('\n');
    const probeDir = path.join(scratch, 'probe-cli');
    await mkdir(probeDir, { recursive: true });
    await writeFile(path.join(probeDir, 'claude'), `#!/usr/bin/env node\n${probe}\n`, { mode: 0o755 });
    const probing = await RunnerHarness.start({ execution: 'container', cliPath: path.join(probeDir, 'claude'), workspacesDir: path.join(scratch, 'probe') });
    try {
      const stage = await probing.schedule({ port: services.backend.port, containerId: leasedId });
      await probing.outcomeOf(stage, 'StageCompleted');
      const seen = (await probing.logLines(stage.taskId)).map((line) => line.json).find((json) => json?.subtype === 'probe');
      expect(seen).toEqual({ type: 'system', subtype: 'probe', uid: 1000, capEff: '0000000000000000', noNewPrivs: '1', dockerSock: false, rootWritable: 'EROFS', pidsMax: '96', memoryMax: String(256 * 1024 * 1024) });
    } finally {
      await probing.stop();
    }
  }, 60_000);

  it('given a hostile implementation, then each of its attempts is blocked, the runner commits without running its hooks, and QA runs the original review prompt', async () => {
    await expectHostileAttemptsContained(run, scratch, natsUrl);
  }, 60_000);

  it('given an agent that hangs with a child, when its deadline passes, then the stage times out and its container, with everything in it, is gone', async () => {
    const stage = await harness.schedule({ port: services.backend.port, containerId: leasedId, timeoutS: 3, description: 'Hang [[fake:hang-with-child]]' });
    await eventually(async () => ((await agentContainers()) !== '' ? true : undefined), 15_000, "the agent's container to run");
    await harness.outcomeOf(stage, 'StageTimedOut');
    await eventually(async () => ((await agentContainers()) === '' ? true : undefined), 15_000, "the agent's container to be gone");
  }, 40_000);

  it('given an agent that hangs with a child, when CancelRun arrives mid-run, then StageCancelled is stored and its container is gone', async () => {
    const stage = await harness.schedule({ port: services.backend.port, containerId: leasedId, timeoutS: 60, description: 'Hang [[fake:hang-with-child]]' });
    await eventually(async () => ((await linesOf(harness, stage.taskId, 'fake_child')).length > 0 ? true : undefined), 15_000, 'the agent to start its child');
    const { taskId, stageId, attempt } = stage;
    await harness.send(newMessage('CancelRun', taskId, { taskId, stageId, attempt, reason: 'the user cancelled' }, { producer: 'test', occurredAt: new Date().toISOString() }));
    expect(await harness.outcomeOf(stage, 'StageCancelled', 15_000)).toMatchObject({ reason: 'the user cancelled' });
    await eventually(async () => ((await agentContainers()) === '' ? true : undefined), 15_000, "the agent's container to be gone");
  }, 40_000);

  it('given agent containers left by a runner that is gone and by one that runs, when a runner starts, then it removes the first and leaves the second', async () => {
    const ownStart = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]?.split(' ')[19] ?? '';
    const agentOf = (pid: number, start: string) =>
      dockerCli('run', '-d', '--network', 'none', '--label', `orch.test=${suiteLabel}`, '--label', `orch.agent-of=${leasedId}`, '--label', `orch.runner-host=${hostname()}`, '--label', `orch.runner-pid=${pid}`, '--label', `orch.runner-start=${start}`, TEST_CONTAINER_IMAGE);
    const orphan = await agentOf(4_194_000, '12345');
    const kept = await agentOf(process.pid, ownStart);
    const next = await RunnerHarness.start({ execution: 'container', workspacesDir: path.join(scratch, 'restart') });
    try {
      const left = (await dockerCli('ps', '-a', '-q', '--no-trunc', '--filter', `label=orch.agent-of=${leasedId}`)).split('\n');
      expect(left).toContain(kept);
      expect(left).not.toContain(orphan);
    } finally {
      await next.stop();
      await dockerCli('rm', '-f', kept);
    }
  }, 60_000);

  it('given RUNNER_EXECUTION=container and a docker client that reaches no engine, then the runner does not start, naming the variable and docker\'s words', async () => {
    const brokenDocker = path.join(scratch, 'docker-without-engine');
    await writeFile(brokenDocker, "#!/bin/sh\necho 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?' >&2\nexit 1\n", { mode: 0o755 });
    await expect(RunnerHarness.start({ execution: 'container', dockerPath: brokenDocker, workspacesDir: path.join(scratch, 'no-engine') })).rejects.toThrow(
      `RUNNER_EXECUTION: container, but ${brokenDocker} reaches no Docker engine: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?`,
    );
  }, 30_000);

  it('given a lease of a local slot, then RUNNER_EXECUTION=container fails the stage, not retryable, naming why', async () => {
    const failed = await harness.outcomeOf(await harness.schedule({ port: services.backend.port }), 'StageFailed');
    expect(failed).toMatchObject({ retryable: false, reason: expect.stringContaining('RUNNER_EXECUTION=container runs the agent in its leased container, but local-0 is a local slot') });
  }, 30_000);

  it('given a leased container that is gone, then the stage fails as retryable (a retry gets a fresh container)', async () => {
    const failed = await harness.outcomeOf(await harness.schedule({ port: services.backend.port, containerId: 'f'.repeat(64) }), 'StageFailed');
    expect(failed).toMatchObject({ retryable: true, reason: expect.stringContaining('is not running') });
  }, 30_000);
});
