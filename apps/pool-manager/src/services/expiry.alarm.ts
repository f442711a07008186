/** The longest delay setTimeout takes. */
const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * One timer for the next lease expiry, re-armed whenever the pool changes: the deadline
 * comes from the log (`expiresAt`), so a restart re-arms it from the rebuilt state.
 */
export class ExpiryAlarm {
  private timer: NodeJS.Timeout | null = null;
  private armedFor: number | null = null;

  constructor(private readonly onDue: () => void) {}

  /** Rings at `at` (at once if it has passed); `null` disarms. */
  arm(at: Date | null, now: Date): void {
    const time = at?.getTime() ?? null;
    if (time === this.armedFor && this.timer) return;
    this.disarm();
    if (time === null) return;
    this.armedFor = time;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.armedFor = null;
      this.onDue();
    }, Math.min(MAX_DELAY_MS, Math.max(0, time - now.getTime())));
    this.timer.unref();
  }

  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.armedFor = null;
  }
}
