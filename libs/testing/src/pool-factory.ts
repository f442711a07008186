import { deterministicId, newMessage, type Envelope, type MessageData } from '@app/contracts';
import { ids } from './factory';

const AT = '2026-11-24T10:00:00.000Z';
const origin = { producer: 'factory', occurredAt: AT };

/** The stage a lease request comes from: task `n`'s specification stage. */
const requester = (task: number, attempt: number) => ({
  taskId: ids.task(task),
  orchestrationId: ids.orchestration(task),
  stageId: ids.stage('specification', 0, task),
  stageType: 'specification' as const,
  attempt,
});

/** Lease commands and slot events of one pool, for pool-manager tests. */
export const poolFactory = {
  /** task `n`'s AcquireLease (its id is stable per task and attempt, as a redelivery's would be) */
  acquireLease: (task = 1, overrides: { attempt?: number; ttlS?: number } = {}): Envelope<'AcquireLease'> => {
    const attempt = overrides.attempt ?? 1;
    return newMessage('AcquireLease', ids.task(task), { ...requester(task, attempt), ttlS: overrides.ttlS ?? 60 }, {
      ...origin,
      id: deterministicId('factory-acquire', task, attempt),
    });
  },
  releaseLease: (lease: Pick<MessageData<'LeaseGranted'>, 'leaseId' | 'poolId' | 'taskId' | 'stageId'>): Envelope<'ReleaseLease'> =>
    newMessage('ReleaseLease', lease.taskId, { leaseId: lease.leaseId, poolId: lease.poolId, taskId: lease.taskId, stageId: lease.stageId }, {
      ...origin,
      id: deterministicId('factory-release', lease.leaseId),
    }),
  renewLease: (lease: Pick<MessageData<'LeaseGranted'>, 'leaseId' | 'poolId'>, n = 1): Envelope<'RenewLease'> =>
    newMessage('RenewLease', lease.poolId, { leaseId: lease.leaseId, poolId: lease.poolId }, { ...origin, id: deterministicId('factory-renew', lease.leaseId, n) }),
  /** slot `slot` of pool `poolId` up on port 8081 + slot */
  slotReady: (slot = 0, overrides: Partial<MessageData<'PoolSlotReady'>> = {}): Envelope<'PoolSlotReady'> => {
    const data = { poolId: 'default', slot, port: 8081 + slot, containerId: `container-${slot}`, driver: 'docker' as const, ...overrides };
    return newMessage('PoolSlotReady', data.poolId, data, { ...origin, id: deterministicId('factory-slot-ready', JSON.stringify(data)) });
  },
  /** the stage id task `n`'s requests are for */
  stageOf: (task = 1) => ids.stage('specification', 0, task),
};
