import { randomBytes } from 'node:crypto';
import type { MessageData } from '@app/contracts';
import type { NatsClient } from '@app/messaging';
import { allTerminal, ApiClient } from '../../../libs/testing/src/api-client';
import { dockerCli, ensureTestImage, freePortBlock, removeContainersLabelled, TEST_CONTAINER_IMAGE } from '../../../libs/testing/src/docker';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { EventTail } from '../../../libs/testing/src/event-tail';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { poolContainers } from '../../../libs/testing/src/leftovers';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import { startTestSystem, type TestSystem } from '../../../test/support/system';
import { checkFaultInvariants, checkedFigures } from './fault.support';
import { useSuite } from '../../support/suite';

const POOL_SIZE = 3;

/** Fault 5: `docker kill` of the container a running stage has leased, on the Docker driver. */
describe('fault 5: docker kill a leased container', () => {
  const poolId = `f5${randomBytes(4).toString('hex')}`;
  let system: TestSystem;
  let client: NatsClient;

  useSuite(async (keep) => {
    ensureTestImage();
    const portStart = await freePortBlock(POOL_SIZE);
    keep(() => removeContainersLabelled('orch.pool', poolId));
    system = keep(await startTestSystem({
      poolSize: POOL_SIZE,
      rules: { maxConcurrent: POOL_SIZE },
      heartbeatTimeoutS: 10,
      pool: {
        poolId,
        driver: 'docker',
        image: TEST_CONTAINER_IMAGE,
        portStart,
        portEnd: portStart + POOL_SIZE - 1,
        healthIntervalMs: 500,
        docker: { networkMode: 'host', memoryMb: 64, cpus: 0.5, pidsLimit: 64, startTimeoutS: 30 },
      },
    }));
    client = keep(await connectTestClient(system.messaging));
    await eventually(
      async () => ((await readEventLog(client, client.subjects.pool(poolId))).filter(({ event }) => event.type === 'PoolSlotReady').length >= POOL_SIZE ? true : undefined),
      60_000,
      'the pool to bring up its containers',
    );
  }, 120_000);

  it('given stages running on containers, when one container is killed, then its attempt fails once and is retried on a new container, every task completes, and no container is left over', async () => {
    const api = new ApiClient(system.baseUrl);
    const taskIds = await api.createAndStart(6, 'Container killed', 'Work [[fake:slow=500]]');
    const tail = new EventTail(client, client.subjects.allTasks);
    const running = new Map<string, MessageData<'StageStarted'>>();
    const victim = await eventually(
      async () => {
        for (const { event } of await tail.poll()) {
          if (event.type === 'StageStarted') running.set(`${event.data.stageId}:${event.data.attempt}`, event.data);
          if (event.type === 'StageCompleted' || event.type === 'StageFailed' || event.type === 'StageTimedOut' || event.type === 'StageCancelled') running.delete(`${event.data.stageId}:${event.data.attempt}`);
        }
        return [...running.values()].at(-1);
      },
      30_000,
      'a stage running on a container',
    );
    const killedAt = Date.now();
    await dockerCli('kill', victim.lease.containerId);

    const ended = await allTerminal(client, taskIds, 120_000);
    const events = distinctEvents(await readEventLog(client));
    const poolEvents = events.filter(({ subject }) => subject === client.subjects.pool(poolId));
    // the lease on the killed container when it died: the victim's, unless its stage ended first and the slot went to another
    const revoked = poolEvents.find(({ event, storedAtMs }) => event.type === 'LeaseRevoked' && event.data.slot === victim.lease.slot && storedAtMs > killedAt);
    const replaced = poolEvents.find(({ event, storedAtMs }) => event.type === 'PoolSlotReady' && event.data.slot === victim.lease.slot && event.data.containerId !== victim.lease.containerId && storedAtMs > killedAt);
    const cut = events.find(({ event }) => event.type === 'StageStarted' && revoked?.event.type === 'LeaseRevoked' && event.data.lease.leaseId === revoked.event.data.leaseId);
    const cutAttempt = cut?.event.type === 'StageStarted' ? cut.event.data : victim;
    const ofCut = events.filter(({ event }) => 'stageId' in event.data && event.data.stageId === cutAttempt.stageId);
    const failed = ofCut.find(({ event }) => event.type === 'StageFailed' && event.data.attempt === cutAttempt.attempt);
    const rerun = ofCut.find(({ event }) => event.type === 'StageStarted' && event.data.attempt === cutAttempt.attempt + 1);
    expect(revoked?.event.type).toBe('LeaseRevoked');
    expect(failed?.event.type).toBe('StageFailed');
    expect(rerun?.event.type).toBe('StageStarted');
    if (rerun?.event.type === 'StageStarted') expect(rerun.event.data.lease.containerId).not.toBe(victim.lease.containerId);
    expect(replaced?.event.type).toBe('PoolSlotReady');

    const report = await checkFaultInvariants(client, system, taskIds, { maxConcurrent: POOL_SIZE, containers: { poolId, max: POOL_SIZE } });
    expect(report.violations).toEqual([]);
    expect(report.outcomes).toEqual({ OrchestrationCompleted: taskIds.length });
    const containers = await poolContainers(poolId);
    expect(containers.map((id) => victim.lease.containerId.startsWith(id))).not.toContain(true);

    const after = (logged: { storedAtMs: number } | undefined) => (logged ? Math.round(logged.storedAtMs - killedAt) : null);
    await recordFigures('fault-5-container-killed', {
      fault: `docker kill of the container leased to a running stage (docker driver, ${POOL_SIZE} hardened busybox containers, health every 0.5 s), 6 tasks in flight`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      msFromKillToLeaseRevoked: after(revoked),
      msFromKillToAttemptFailed: after(failed),
      msFromKillToAttemptRestarted: after(rerun),
      msFromKillToReplacementContainerReady: after(replaced),
      secondsFromKillToAllTerminal: (ended - killedAt) / 1000,
      containersAfter: containers.length,
      maxRunning: report.maxRunning,
      ...checkedFigures(report),
    });
  }, 240_000);
});
