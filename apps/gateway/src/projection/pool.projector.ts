import type { OrchEvent, PoolEventType } from '@app/contracts';
import type { ReadModelRows } from './read-model.rows';

type PoolEvent = Extract<OrchEvent, { type: PoolEventType }>;

const LEASE_CLEARED = 'lease_id = NULL, task_id = NULL, stage_id = NULL, attempt = NULL, lease_expires_at = NULL';

/**
 * `pool_slots` and `lease_requests`: each slot and its holder, and who waits for one, as
 * the pool-manager folds its subject: a slot is free or leased while ready, `resetting`
 * after a lease expired on it and `down` while its container is replaced, until it is
 * ready again.
 */
export async function projectPool(rows: ReadModelRows, event: PoolEvent): Promise<void> {
  switch (event.type) {
    case 'PoolSlotReady': {
      const { poolId, slot, port, containerId, driver } = event.data;
      await rows.query(
        `INSERT INTO pool_slots (pool_id, slot, port, container_id, driver, state, updated_at, last_event_seq) VALUES ($1, $2, $3, $4, $5, 'free', $6, $7)
         ON CONFLICT (pool_id, slot) DO UPDATE SET port = EXCLUDED.port, container_id = EXCLUDED.container_id, driver = EXCLUDED.driver,
           state = CASE WHEN pool_slots.lease_id IS NULL THEN 'free' ELSE 'leased' END,
           updated_at = EXCLUDED.updated_at, last_event_seq = EXCLUDED.last_event_seq`,
        [poolId, slot, port, containerId, driver, rows.at, rows.seq],
      );
      return;
    }
    case 'PoolSlotDown': {
      const { poolId, slot } = event.data;
      await rows.query(`UPDATE pool_slots SET state = 'down', updated_at = $3, last_event_seq = $4 WHERE pool_id = $1 AND slot = $2`, [poolId, slot, rows.at, rows.seq]);
      return;
    }
    case 'PoolSlotRemoved':
      await rows.query(`DELETE FROM pool_slots WHERE pool_id = $1 AND slot = $2`, [event.data.poolId, event.data.slot]);
      return;
    case 'LeaseQueued': {
      const { poolId, stageId, attempt, taskId } = event.data;
      await rows.query(
        `INSERT INTO lease_requests (pool_id, stage_id, attempt, task_id, queued_seq, queued_at) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (pool_id, stage_id, attempt) DO NOTHING`,
        [poolId, stageId, attempt, taskId, rows.seq, rows.at],
      );
      return;
    }
    case 'LeaseGranted': {
      const { poolId, slot, leaseId, taskId, stageId, attempt, expiresAt } = event.data;
      await rows.query(
        `UPDATE pool_slots SET state = 'leased', lease_id = $3, task_id = $4, stage_id = $5, attempt = $6, lease_expires_at = $7, updated_at = $8, last_event_seq = $9
         WHERE pool_id = $1 AND slot = $2`,
        [poolId, slot, leaseId, taskId, stageId, attempt, expiresAt, rows.at, rows.seq],
      );
      await removeRequest(rows, poolId, stageId, attempt);
      return;
    }
    case 'LeaseRenewed': {
      const { poolId, leaseId, expiresAt } = event.data;
      await rows.query(`UPDATE pool_slots SET lease_expires_at = $3, updated_at = $4, last_event_seq = $5 WHERE pool_id = $1 AND lease_id = $2`, [
        poolId,
        leaseId,
        expiresAt,
        rows.at,
        rows.seq,
      ]);
      return;
    }
    case 'LeaseReleased':
    case 'LeaseExpired':
    case 'LeaseRevoked': {
      const { poolId, slot, leaseId } = event.data;
      const state = event.type === 'LeaseExpired' ? `'resetting'` : `CASE WHEN state = 'leased' THEN 'free' ELSE state END`;
      await rows.query(`UPDATE pool_slots SET ${LEASE_CLEARED}, state = ${state}, updated_at = $4, last_event_seq = $5 WHERE pool_id = $1 AND slot = $2 AND lease_id = $3`, [
        poolId,
        slot,
        leaseId,
        rows.at,
        rows.seq,
      ]);
      return;
    }
    case 'LeaseRequestRejected':
      await removeRequest(rows, event.data.poolId, event.data.stageId, event.data.attempt);
      return;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}

async function removeRequest(rows: ReadModelRows, poolId: string, stageId: string, attempt: number): Promise<void> {
  await rows.query(`DELETE FROM lease_requests WHERE pool_id = $1 AND stage_id = $2 AND attempt = $3`, [poolId, stageId, attempt]);
}
