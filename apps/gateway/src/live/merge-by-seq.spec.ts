import { mergeBySeq } from './merge-by-seq';

/** A source of items with these sequences that counts how many were read from it, and whether it was closed. */
function source(seqs: number[]) {
  const seen = { read: 0, closed: false };
  const items = (async function* () {
    try {
      for (const seq of seqs) {
        seen.read += 1;
        yield { seq };
      }
    } finally {
      seen.closed = true;
    }
  })();
  return { items, seen };
}

describe('mergeBySeq', () => {
  it('given sources each in order, when merged, then every item comes once in sequence order', async () => {
    const sources = [source([1, 4, 9]), source([2, 3, 10]), source([]), source([5])];

    const merged: number[] = [];
    for await (const { seq } of mergeBySeq(sources.map(({ items }) => items))) merged.push(seq);

    expect(merged).toEqual([1, 2, 3, 4, 5, 9, 10]);
  });

  it('given two long sources, when three items were taken, then each source was read at most one ahead (nothing gathered)', async () => {
    const long = (start: number) => source(Array.from({ length: 10_000 }, (_, i) => start + 2 * i));
    const [odd, even] = [long(1), long(2)];

    const taken: number[] = [];
    for await (const { seq } of mergeBySeq([odd.items, even.items])) {
      taken.push(seq);
      if (taken.length === 3) break;
    }

    expect(taken).toEqual([1, 2, 3]);
    expect(odd.seen.read + even.seen.read).toBeLessThanOrEqual(4);
  });

  it('given a consumer that stops early, when it breaks off, then every source is closed', async () => {
    const sources = [source([1, 3]), source([2, 4])];

    for await (const _item of mergeBySeq(sources.map(({ items }) => items))) break;

    expect(sources.map(({ seen }) => seen.closed)).toEqual([true, true]);
  });
});
