import { Injectable, Logger } from '@nestjs/common';
import type { OrchEvent } from '@app/contracts';
import { StillConflicting } from './errors';
import { NatsClient } from './nats-client';
import { MessagePublisher } from './publisher';
import { SubjectReader } from './subject-reader';

/** How an aggregate's state is folded from its own events, `E` (the union of its subject's types). */
export interface Fold<S, E extends OrchEvent = OrchEvent> {
  initial: () => S;
  /** whether a stored event is one of the aggregate's (another type on its subject is not folded) */
  accepts: (event: OrchEvent) => event is E;
  evolve: (state: S, event: E) => S;
  /**
   * For an aggregate whose subject grows for ever (the scheduler): keep a snapshot of its
   * state every `every` appends, so a cold load reads the snapshot and only the tail.
   * `version` changes whenever the state's shape does; an older snapshot is ignored.
   */
  snapshot?: { name: string; version: number; every: number };
}

interface Snapshot {
  version: number;
  lastSeq: number;
  state: unknown;
}

/** A decision made before reading: `events`, to be appended against `lastSeq`. */
export interface Presumed<E extends OrchEvent> {
  lastSeq: number;
  events: E[];
}

/** What a decision appended. */
export interface Decided<E extends OrchEvent> {
  /** the subject's last sequence after the append */
  lastSeq: number;
  /** the events decided in the round that went through, each stored now or before (a duplicate) */
  appended: E[];
  /** those of them stored now (not duplicates of an earlier append) */
  stored: E[];
}

export interface Loaded<S> {
  state: S;
  /** the subject's last stream sequence the state includes */
  lastSeq: number;
}

interface Cached {
  state: unknown;
  lastSeq: number;
}

interface CacheEntry extends Cached {
  /** the state's size as JSON, bytes: what the cache's byte bound counts */
  bytes: number;
}

const MAX_CONFLICT_RETRIES = 20;
const MAX_CACHED = 10_000;

/**
 * Loads aggregates from their subjects and appends decisions against the sequence they
 * were read at. A conflict means someone wrote first: the tail is re-read and the decision
 * made again on the new state, never blindly retried. The cache only saves reads: it is
 * checked against the subject's last sequence on every load. It holds at most 10,000
 * aggregates and `aggregateCacheMaxBytes` of their states (as JSON), the least recently
 * used going first; a state bigger than the whole bound is not kept (it is read again).
 */
@Injectable()
export class AggregateStore {
  private readonly logger = new Logger(AggregateStore.name);
  private readonly cache = new Map<string, CacheEntry>();
  private cachedBytes = 0;
  private readonly locks = new Map<string, Promise<unknown>>();
  /** appends since the last snapshot, per snapshot name */
  private readonly sinceSnapshot = new Map<string, number>();

  constructor(
    private readonly reader: SubjectReader,
    private readonly publisher: MessagePublisher,
    private readonly nats: NatsClient,
  ) {}

  async load<S, E extends OrchEvent>(subject: string, fold: Fold<S, E>): Promise<Loaded<S>> {
    const cached = this.cache.get(subject) as (CacheEntry & { state: S }) | undefined;
    const from = cached ?? (await this.readSnapshot(fold)) ?? { state: fold.initial(), lastSeq: 0 };
    const { events, lastSeq } = await this.reader.read(subject, from.lastSeq);
    if (cached && lastSeq === cached.lastSeq) {
      this.cache.delete(subject); // most recently used: last to go
      this.cache.set(subject, cached);
      return { state: cached.state, lastSeq: cached.lastSeq };
    }
    const state = events.reduce((current, stored) => (fold.accepts(stored.event) ? fold.evolve(current, stored.event) : current), from.state);
    const loaded = { state, lastSeq: Math.max(lastSeq, from.lastSeq) };
    this.remember(subject, loaded);
    return loaded;
  }

  /**
   * Decides on the aggregate's current state and appends what was decided, one event at a
   * time, each against the sequence before it. Serialised per subject within this process;
   * across processes the expected sequence does it. Every event decided must belong on
   * `subject`, the one whose sequence was read: one routed elsewhere is a bug, refused.
   */
  async decide<S, E extends OrchEvent>(subject: string, fold: Fold<S, E>, decide: (state: S, lastSeq: number) => E[]): Promise<Decided<E> & { state: S }> {
    const decided = await this.decideAndAppend(subject, fold, decide, null);
    if (decided.state === null) throw new Error(`${subject}: decided without a state`); // only a presumed decision leaves it unknown
    return { ...decided, state: decided.state };
  }

  /**
   * Like `decide`, for a decision the caller has already made at a sequence it was told
   * (an order carries the subject's sequence): `presumed.events` are appended against
   * `presumed.lastSeq` without reading the subject first; only when someone wrote since is
   * the subject read and `decide` asked again, as in `decide`.
   */
  async append<S, E extends OrchEvent>(subject: string, fold: Fold<S, E>, presumed: Presumed<E>, decide: (state: S) => E[]): Promise<Decided<E>> {
    return this.decideAndAppend(subject, fold, decide, presumed);
  }

  /** The one append loop: decide, append against the sequence decided on, and on a conflict re-read and decide again. */
  private async decideAndAppend<S, E extends OrchEvent>(
    subject: string,
    fold: Fold<S, E>,
    decide: (state: S, lastSeq: number) => E[],
    presumed: Presumed<E> | null,
  ): Promise<Decided<E> & { state: S | null }> {
    return this.exclusive(subject, async () => {
      const appended: E[] = [];
      const stored: E[] = [];
      for (let round = 0; round < MAX_CONFLICT_RETRIES; round += 1) {
        let { state, lastSeq, events }: { state: S | null; lastSeq: number; events: E[] } =
          round === 0 && presumed !== null ? { state: this.cachedAt<S>(subject, presumed.lastSeq), ...presumed } : await this.loadAndDecide(subject, fold, decide);
        for (const event of events) {
          const target = this.nats.subjects.eventSubject(event.aggregateId, event.type);
          if (target !== subject) throw new Error(`${event.type} for ${event.aggregateId} belongs on ${target}, not on ${subject}, the subject decided on`);
        }
        let conflicted = false;
        for (const event of events) {
          const result = await this.publisher.append(event, lastSeq);
          if (!result.ok) {
            conflicted = true;
            break;
          }
          if (!result.duplicate) {
            lastSeq = result.seq;
            stored.push(event);
            if (state === null) {
              this.forget(subject); // appended without knowing the state: the next load reads it
            } else {
              state = fold.evolve(state, event);
              this.remember(subject, { state, lastSeq });
            }
          }
          appended.push(event);
        }
        if (!conflicted) {
          if (appended.length > 0 && state !== null) await this.maybeSnapshot(fold, state, lastSeq, appended.length);
          return { state, lastSeq, appended, stored };
        }
      }
      throw new StillConflicting(`${subject}: still conflicting after ${MAX_CONFLICT_RETRIES} re-reads`);
    });
  }

  private async loadAndDecide<S, E extends OrchEvent>(subject: string, fold: Fold<S, E>, decide: (state: S, lastSeq: number) => E[]) {
    const { state, lastSeq } = await this.load(subject, fold);
    return { state, lastSeq, events: decide(state, lastSeq) };
  }

  /** The cached state of `subject` if it is the state at exactly `lastSeq`. */
  private cachedAt<S>(subject: string, lastSeq: number): S | null {
    const cached = this.cache.get(subject);
    return cached !== undefined && cached.lastSeq === lastSeq ? (cached.state as S) : null;
  }

  private async readSnapshot<S, E extends OrchEvent>(fold: Fold<S, E>): Promise<Loaded<S> | null> {
    if (!fold.snapshot) return null;
    try {
      const stored = await this.nats.jsm.streams.getMessage(this.nats.subjects.snapshotsStream, {
        last_by_subj: this.nats.subjects.snapshot(fold.snapshot.name),
      });
      if (!stored) return null;
      const snapshot = stored.json<Snapshot>();
      if (snapshot.version !== fold.snapshot.version) return null;
      return { state: snapshot.state as S, lastSeq: snapshot.lastSeq };
    } catch {
      return null;
    }
  }

  private async maybeSnapshot<S, E extends OrchEvent>(fold: Fold<S, E>, state: S, lastSeq: number, appended: number): Promise<void> {
    if (!fold.snapshot) return;
    const { name, version, every } = fold.snapshot;
    const count = (this.sinceSnapshot.get(name) ?? 0) + appended;
    if (count < every) {
      this.sinceSnapshot.set(name, count);
      return;
    }
    this.sinceSnapshot.set(name, 0);
    const snapshot: Snapshot = { version, lastSeq, state };
    await this.nats.js.publish(this.nats.subjects.snapshot(name), JSON.stringify(snapshot)).catch((error: unknown) => {
      this.logger.warn(`Could not store the ${name} snapshot: ${(error as Error).message}`);
    });
  }

  /** how many aggregates the cache holds, and their states' bytes */
  cacheUsage(): { entries: number; bytes: number } {
    return { entries: this.cache.size, bytes: this.cachedBytes };
  }

  private remember(subject: string, loaded: Cached): void {
    this.forget(subject);
    const bytes = Buffer.byteLength(JSON.stringify(loaded.state) ?? '');
    const maxBytes = this.nats.options.aggregateCacheMaxBytes;
    if (bytes > maxBytes) return;
    this.cache.set(subject, { ...loaded, bytes });
    this.cachedBytes += bytes;
    while (this.cache.size > MAX_CACHED || this.cachedBytes > maxBytes) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.forget(oldest);
    }
  }

  private forget(subject: string): void {
    const entry = this.cache.get(subject);
    if (entry === undefined) return;
    this.cache.delete(subject);
    this.cachedBytes -= entry.bytes;
  }

  private async exclusive<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.locks.set(key, next);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === next) this.locks.delete(key);
    }
  }
}
