import { ids } from '@app/testing';
import { cycleThrough } from './task-dependencies';

/** Blockers as the read model holds them: `graph({ 2: [3] })` means task 2 waits for task 3. */
const graph = (edges: Record<number, number[]>) => (id: string) => {
  const entry = Object.entries(edges).find(([task]) => ids.task(Number(task)) === id);
  return (entry?.[1] ?? []).map((task) => ids.task(task));
};

describe('task dependencies: a cycle is refused', () => {
  it('given 2 waits for 3 and 3 for 4, when 4 is made to wait for 2, then the cycle 4 → 2 → 3 → 4 is named', () => {
    expect(cycleThrough(ids.task(4), [ids.task(2)], graph({ 2: [3], 3: [4] }))).toEqual([ids.task(4), ids.task(2), ids.task(3), ids.task(4)]);
  });

  it('given a task, when it is made to wait for itself, then that is a cycle of one', () => {
    expect(cycleThrough(ids.task(1), [ids.task(1)], graph({}))).toEqual([ids.task(1), ids.task(1)]);
  });

  it('given a diamond (2 and 3 both wait for 4), when 1 waits for 2 and 3, then there is no cycle', () => {
    expect(cycleThrough(ids.task(1), [ids.task(2), ids.task(3)], graph({ 2: [4], 3: [4] }))).toBeNull();
  });

  it('given a cycle elsewhere in the graph (5 ↔ 6), when 1 waits for 5, then no cycle through 1 is reported and the walk ends', () => {
    expect(cycleThrough(ids.task(1), [ids.task(5)], graph({ 5: [6], 6: [5] }))).toBeNull();
  });
});
