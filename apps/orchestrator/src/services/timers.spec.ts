import { Timers } from './timers';

describe('Timers', () => {
  it('given a timer that fires before the clock reached its time, then it is armed again and fires once the clock has', async () => {
    // given a clock that falls 40 ms behind right after the timer is armed (as the wall clock may, against Node's monotonic timers)
    let behindMs = 0;
    const now = () => Date.now() - behindMs;
    const timers = new Timers(now);
    const at = now() + 10;
    const fired: number[] = [];
    const done = new Promise<void>((resolve) =>
      timers.arm('retry:s:2', at, () => {
        fired.push(now());
        resolve();
      }),
    );
    behindMs = 40;

    // when it fires
    await done;

    // then it fired once, and not before its time by the clock
    expect(fired).toHaveLength(1);
    expect(fired[0]).toBeGreaterThanOrEqual(at);
  });

  it('given a timer armed under a key, when it is armed again, then only the first fires', async () => {
    const timers = new Timers(Date.now);
    const fired: string[] = [];
    timers.arm('deadline:s:1', Date.now(), () => fired.push('first'));
    timers.arm('deadline:s:1', Date.now(), () => fired.push('second'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual(['first']);
  });

  it('given a cancelled timer, then it never fires', async () => {
    const timers = new Timers(Date.now);
    const fired: string[] = [];
    timers.arm('deadline:s:1', Date.now() + 5, () => fired.push('fired'));
    timers.cancel('deadline:s:1');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fired).toEqual([]);
  });
});
