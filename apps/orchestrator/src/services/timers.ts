/**
 * In-process timers keyed by what they guard. They are only a trigger: what a timer does
 * is decided on the log when it fires, and every timer is re-armed from the log at start,
 * so a restart never forgets one.
 */
export class Timers {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  arm(key: string, at: number, now: number, fire: () => void): void {
    if (this.timers.has(key)) return;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      fire();
    }, Math.max(0, at - now));
    timer.unref();
    this.timers.set(key, timer);
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
}
