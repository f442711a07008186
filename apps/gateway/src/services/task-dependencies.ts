/**
 * The dependency rule a task's blockers meet, pure: waiting for `blockedBy` must not close a
 * cycle through `taskId` (it would wait for itself for ever). `blockersOf` gives each
 * task's own blockers as the read model holds them.
 *
 * Returns the cycle as the ids along it, starting and ending with `taskId`
 * (`[a, b, c, a]`: a waits for b, b for c, c for a), or null.
 */
export function cycleThrough(taskId: string, blockedBy: readonly string[], blockersOf: (id: string) => readonly string[]): string[] | null {
  const visited = new Set<string>();
  const walk = (id: string, path: string[]): string[] | null => {
    if (id === taskId) return [...path, id];
    if (visited.has(id)) return null;
    visited.add(id);
    for (const next of blockersOf(id)) {
      const cycle = walk(next, [...path, id]);
      if (cycle !== null) return cycle;
    }
    return null;
  };
  for (const blocker of blockedBy) {
    const cycle = walk(blocker, [taskId]);
    if (cycle !== null) return cycle;
  }
  return null;
}
