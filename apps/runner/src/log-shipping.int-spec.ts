import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RunnerHarness } from '@test/support';
import { useSuite } from '../../../test/support/suite';

/** The agent's output: 10 MiB of stream-json lines. */
const OUTPUT_BYTES = 10 * 1024 * 1024;
/**
 * The bound: the runner's live heap (after a full GC) never grows more than this above what
 * it was before the stage. The LogShipper holds at most 2 MiB waiting to be published
 * (then it pauses the agent's stdout), plus one batch being published and the read buffers;
 * a runner that kept the output would grow by well over the 10 MiB it was sent.
 */
const HEAP_BOUND_BYTES = 8 * 1024 * 1024;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function liveHeap(): number {
  gc();
  return process.memoryUsage().heapUsed;
}

describe('10 MiB of agent output, streamed to ORCH_LOGS', () => {
  let harness: RunnerHarness;

  useSuite(async (keep) => {
    harness = keep(await RunnerHarness.start());
  }, 30_000);

  it(`given an agent writing ${OUTPUT_BYTES} bytes, then every line reaches ORCH_LOGS in order while the runner's live heap grows by less than ${HEAP_BOUND_BYTES} bytes`, async () => {
    const baseline = liveHeap();
    let peak = 0;
    let samples = 0;
    // A full GC of the test process's heap (some 75 MiB) takes 50-90 ms alone and far longer on
    // a loaded machine: sampled every 100 ms regardless, the GC took most of the event loop and
    // starved the runner it measures. So the next sample comes after at least as long as the
    // last GC took: the runner keeps half of the time or more.
    let sampler: NodeJS.Timeout | undefined;
    const sample = () => {
      const started = performance.now();
      peak = Math.max(peak, liveHeap() - baseline);
      samples += 1;
      sampler = setTimeout(sample, Math.max(100, performance.now() - started));
    };
    sampler = setTimeout(sample, 100);
    const stage = await harness.schedule({ description: `Write a lot [[fake:big-output=${OUTPUT_BYTES}]]`, timeoutS: 120 });
    let completed;
    try {
      completed = await harness.outcomeOf(stage, 'StageCompleted', 120_000);
    } finally {
      clearTimeout(sampler);
    }
    // and once more at the end: a runner that kept the output still holds all of it now
    peak = Math.max(peak, liveHeap() - baseline);

    expect(completed.result.isError).toBe(false);
    // (on a loaded CI worker with a big heap one full GC can take seconds: at least one sample fell inside the run)
    expect(samples).toBeGreaterThanOrEqual(1);
    expect(peak).toBeLessThan(HEAP_BOUND_BYTES);

    const lines = await harness.logLines(stage.taskId);
    const shippedBytes = lines.reduce((sum, line) => sum + line.text.length + 1, 0);
    expect(shippedBytes).toBeGreaterThanOrEqual(OUTPUT_BYTES);
    expect(lines.map((line) => line.index)).toEqual(lines.map((_, index) => index));
    expect(lines.at(-1)?.json?.type).toBe('result');
  }, 180_000);
});
