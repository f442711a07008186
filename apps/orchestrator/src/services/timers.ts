/**
 * In-process timers keyed by what they guard. They are only a trigger: what a timer does
 * is decided on the log when it fires, and every timer is re-armed from the log at start
 * and by the periodic re-drive, so a restart never forgets one.
 *
 * A timer fires `fire` only once `now()` has reached its time: Node's timers run on a
 * monotonic clock, `now()` (the Clock) on the wall clock, and a timer that fires a little
 * early would find nothing due yet and be lost — so it is armed again for the rest.
 */
export class Timers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly now: () => number) {}

  /** Arms `fire` at `at` (ms since the epoch) unless a timer is armed under `key` already. */
  arm(key: string, at: number, fire: () => void): void {
    if (this.timers.has(key)) return;
    this.schedule(key, at, fire);
  }

  cancel(key: string): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  clear(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private schedule(key: string, at: number, fire: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(key);
      if (this.now() < at) this.schedule(key, at, fire);
      else fire();
    }, Math.max(0, at - this.now()));
    timer.unref();
    this.timers.set(key, timer);
  }
}
