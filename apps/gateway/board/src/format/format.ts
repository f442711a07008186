/** "850 ms", "4.2 s", "3 min 05 s", "1 h 02 min" */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1_000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const whole = Math.floor(seconds);
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** "0:07", "12:34", "1:02:03": a clock for time that runs */
export function formatElapsed(ms: number): string {
  const whole = Math.floor(ms / 1_000);
  const hours = Math.floor(whole / 3_600);
  const minutes = Math.floor((whole % 3_600) / 60);
  const seconds = String(whole % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** US dollars: "$0.0259" below a dollar, "$12.50" above */
export function formatCost(usd: number): string {
  return usd < 1 ? `$${usd.toFixed(4)}` : `$${usd.toFixed(2)}`;
}

/** "950", "52.0k", "1.20M" */
export function formatCount(count: number): string {
  if (count < 1_000) return String(count);
  if (count < 1_000_000) return `${(count / 1_000).toFixed(1)}k`;
  return `${(count / 1_000_000).toFixed(2)}M`;
}

/** a ratio as "67%", or "–" when there is none yet */
export function formatRatio(ratio: number | null): string {
  return ratio === null ? '–' : `${Math.round(ratio * 100)}%`;
}

const LIMIT_WORDS = { 'rate-limit': 'the rate limit', overloaded: 'the overloaded API', 'usage-limit': 'the usage limit', budget: 'a budget raise' } as const;

/** A stage parked on a limit: "waiting for the rate limit until 14:05" (local time), or without a time while none is known. */
export function formatParked(limit: keyof typeof LIMIT_WORDS, until: string | null): string {
  const time = until === null ? '' : ` until ${new Date(until).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hour12: false })}`;
  return `waiting for ${LIMIT_WORDS[limit]}${time}`;
}

/** local time of day, "14:03:07" */
export function formatClock(iso: string): string {
  return new Date(iso).toLocaleTimeString([], { hour12: false });
}
