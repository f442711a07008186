/** An item of a feed, in stream order. */
export interface Sequenced {
  seq: number;
}

type Listener<T> = (item: T) => void;

/**
 * Fans out a stream's items, in order, to in-process listeners, and remembers the last
 * sequence handed out. Listeners run synchronously: whoever registers a listener and reads
 * `lastSeq` in the same tick sees every item after `lastSeq`, none twice.
 */
export class SequencedFeed<T extends Sequenced> {
  private head = 0;
  private readonly listeners = new Set<Listener<T>>();
  private readonly headListeners = new Set<() => void>();

  /** the sequence of the last item handed out (or the starting point) */
  get lastSeq(): number {
    return this.head;
  }

  /** Sets where the feed starts, before its first item. */
  startAt(seq: number): void {
    this.advance(seq);
  }

  publish(item: T): void {
    this.head = Math.max(this.head, item.seq);
    for (const listener of this.listeners) listener(item);
    for (const listener of this.headListeners) listener();
  }

  /** Moves the head past a sequence that yields no item (e.g. an invalid message). */
  advance(seq: number): void {
    this.head = Math.max(this.head, seq);
    for (const listener of this.headListeners) listener();
  }

  /** Calls `listener` with every item published from now on; returns the unsubscribe. */
  subscribe(listener: Listener<T>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves with the first item published from now on that matches, or null after `timeoutMs`. */
  next(matches: (item: T) => boolean, timeoutMs: number): Promise<T | null> {
    return new Promise((resolve) => {
      const unsubscribe = this.subscribe((item) => {
        if (!matches(item)) return;
        clearTimeout(timer);
        unsubscribe();
        resolve(item);
      });
      const timer = setTimeout(() => {
        unsubscribe();
        resolve(null);
      }, timeoutMs);
    });
  }

  /** Resolves true once the head reaches `seq`, or false after `timeoutMs`. */
  reached(seq: number, timeoutMs: number): Promise<boolean> {
    if (this.head >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (value: boolean): void => {
        clearTimeout(timer);
        this.headListeners.delete(check);
        resolve(value);
      };
      const check = (): void => {
        if (this.head >= seq) done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.headListeners.add(check);
    });
  }
}
