import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { NatsClient } from '@app/messaging';
import { ApiClient } from '../../../libs/testing/src/api-client';
import { readEventLog } from '../../../libs/testing/src/event-log';
import { recordFigures } from '../../../libs/testing/src/figures';
import { distinctEvents } from '../../../test/support/invariants';
import { connectTestClient, eventually } from '../../../libs/testing/src/nats';
import { startTestSystem, type TestSystem } from '../../../test/support/system';
import { checkedFigures, waitUntil, expectAllCompleted } from './fault.support';
import { useSuite } from '../../support/suite';

const DISK_BYTES = 8 * 1024 * 1024;
const FULL_MS = 5_000;
const LIMIT = 3;
const NO_SPACE = /^no space left on the workspaces disk/;

/** Fills the disk under `dir` with one file until a write is refused (ENOSPC); returns the file and the bytes it took. */
async function fillDisk(dir: string): Promise<{ file: string; bytes: number }> {
  const file = path.join(dir, 'filler');
  const handle = await open(file, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let bytes = 0;
  try {
    for (;;) bytes += (await handle.write(chunk)).bytesWritten;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await handle.close();
  }
  return { file, bytes };
}

/**
 * Fault 17: the workspaces disk full. WORKSPACES_DIR is a small tmpfs the test mounts (as
 * root) and removes after; a filler file takes all of it while tasks start, then goes.
 */
describe('fault 17: the workspaces disk full', () => {
  let mountPoint = '';
  let mounted = false;
  let system: TestSystem;
  let client: NatsClient;

  useSuite(async (keep) => {
    mountPoint = await mkdtemp(path.join(tmpdir(), 'orch-small-disk-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_BYTES}`, 'tmpfs', mountPoint]);
    mounted = true;
    keep(() => rm(mountPoint, { recursive: true, force: true }));
    keep(async () => {
      if (mounted) execFileSync('umount', ['-l', mountPoint]);
    });
    system = keep(await startTestSystem({
      workspacesDir: mountPoint,
      poolSize: LIMIT,
      rules: { maxConcurrent: LIMIT, maxRetries: 6, retryBackoffBaseMs: 500, retryBackoffMaxMs: 4_000 },
    }));
    client = keep(await connectTestClient(system.messaging));
  });

  it('given a full workspaces disk, when tasks start, then their stages fail naming it (retryable), and once space returns every task completes', async () => {
    const api = new ApiClient(system.baseUrl);
    const filler = await fillDisk(mountPoint);
    const fullAt = Date.now();
    const taskIds = await api.createAndStart(LIMIT, 'On a full disk', 'Work [[fake:slow=50]]');
    const failures = await eventually(
      async () => {
        const failed = (await readEventLog(client, client.subjects.allTasks)).filter(({ event }) => event.type === 'StageFailed');
        return failed.length >= LIMIT ? failed : undefined;
      },
      30_000,
      'a StageFailed for every task started on the full disk',
    );
    const firstFailureAfterMs = Math.min(...failures.map(({ storedAtMs }) => storedAtMs)) - fullAt;
    for (const { event } of failures) {
      if (event.type !== 'StageFailed') continue;
      expect(event.data.reason).toMatch(NO_SPACE);
      expect(event.data.retryable).toBe(true);
    }
    await waitUntil(fullAt, FULL_MS);
    await rm(filler.file);
    const freedAt = Date.now();

    const { ended, report } = await expectAllCompleted(client, system, taskIds, 120_000, { maxConcurrent: LIMIT });

    const events = distinctEvents(await readEventLog(client));
    const failed = events.flatMap(({ event }) => (event.type === 'StageFailed' ? [event.data.reason] : []));
    expect(failed.every((reason) => NO_SPACE.test(reason))).toBe(true);
    await recordFigures('fault-17-workspaces-disk-full', {
      fault: `WORKSPACES_DIR on a ${DISK_BYTES / 1024 / 1024} MiB tmpfs filled by one file for ${FULL_MS / 1000} s while ${taskIds.length} tasks started (limit ${LIMIT}, 6 retries, backoff 0.5–4 s), then the file removed`,
      tasks: taskIds.length,
      outcomes: report.outcomes,
      fillerBytes: filler.bytes,
      msFromFullToFirstStageFailed: Math.round(firstFailureAfterMs),
      stagesFailed: failed.length,
      failureReason: failed[0] ?? null,
      secondsFromFreedToAllTerminal: (ended - freedAt) / 1000,
      ...checkedFigures(report),
    });
  }, 180_000);
});
