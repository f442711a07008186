/**
 * Merges sources that are each in stream order into one in stream order, reading each
 * source only as far as the next item to give (one read ahead per source): what is held
 * in memory grows with the number of sources, not with what they hold. Stopping early
 * (a `return` or `break` of the consumer) closes every source.
 */
export async function* mergeBySeq<T extends { seq: number }>(sources: ReadonlyArray<AsyncIterable<T>>): AsyncGenerator<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  try {
    const heads: Array<IteratorResult<T>> = await Promise.all(iterators.map((iterator) => iterator.next()));
    for (;;) {
      let next = -1;
      let nextSeq = Infinity;
      heads.forEach((head, index) => {
        if (!head.done && head.value.seq < nextSeq) [next, nextSeq] = [index, head.value.seq];
      });
      const head = heads[next];
      const iterator = iterators[next];
      if (head === undefined || head.done || iterator === undefined) return;
      yield head.value;
      heads[next] = await iterator.next();
    }
  } finally {
    await Promise.all(iterators.map((iterator) => iterator.return?.()));
  }
}
