import { DiscardPolicy, JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import type { JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import type { Subjects } from '@app/contracts';
import type { MessagingOptions } from './messaging.options';

const SECOND_NS = 1_000_000_000;
/** JetStream's "stream name already in use": another app created it first. */
const STREAM_NAME_IN_USE = 10058;

const DAY_S = 24 * 3600;

/**
 * The streams of the design (and one for snapshots, one for heartbeats), as their
 * configuration. Every one has limits; what happens when one is reached is chosen per
 * stream (README, "Stream limits"): the event log and the commands refuse new messages
 * (`discard: new`: the writer gets an error and retries, nothing stored is lost), the
 * disposable ones drop their oldest. The two that must not lose anything are limited by
 * message count, not bytes: at a `max_bytes` limit nats-server 2.9 removed old messages
 * of a `discard: new` stream (its check and its store count a message's bytes differently),
 * which for the event log would delete history; their bytes are bounded by the server's
 * JetStream store (`max_file_store`), which refuses writes when full.
 */
export function streamConfigs(
  subjects: Subjects,
  options: Pick<
    MessagingOptions,
    'logsMaxAgeS' | 'logsMaxBytes' | 'eventsMaxMessages' | 'heartbeatsMaxAgeS' | 'heartbeatsMaxBytes' | 'snapshotsMaxBytes' | 'deadLettersMaxBytes' | 'replicas'
  >,
): Array<Partial<StreamConfig> & { name: string; subjects: string[] }> {
  const common = { storage: StorageType.File, num_replicas: options.replicas, allow_direct: true };
  return [
    {
      ...common,
      name: subjects.eventsStream,
      subjects: [subjects.allEvents],
      retention: RetentionPolicy.Limits,
      // the source of truth is never cut: no age limit, and a full log refuses appends
      max_msgs: options.eventsMaxMessages,
      discard: DiscardPolicy.New,
      duplicate_window: 120 * SECOND_NS,
    },
    {
      ...common,
      name: subjects.commandsStream,
      subjects: [subjects.allCommands],
      retention: RetentionPolicy.Workqueue,
      max_age: 7 * DAY_S * SECOND_NS,
      max_msgs: 1_000_000,
      discard: DiscardPolicy.New,
      duplicate_window: 120 * SECOND_NS,
    },
    {
      ...common,
      name: subjects.heartbeatsStream,
      subjects: [subjects.allHeartbeats],
      retention: RetentionPolicy.Limits,
      max_age: options.heartbeatsMaxAgeS * SECOND_NS,
      max_bytes: options.heartbeatsMaxBytes,
      max_msgs_per_subject: 100,
      discard: DiscardPolicy.Old,
      duplicate_window: 60 * SECOND_NS,
    },
    {
      ...common,
      name: subjects.logsStream,
      subjects: [subjects.allLogs],
      retention: RetentionPolicy.Limits,
      max_age: options.logsMaxAgeS * SECOND_NS,
      max_bytes: options.logsMaxBytes,
      discard: DiscardPolicy.Old,
      duplicate_window: 120 * SECOND_NS,
    },
    {
      ...common,
      name: subjects.snapshotsStream,
      subjects: [subjects.allSnapshots],
      retention: RetentionPolicy.Limits,
      max_msgs_per_subject: 1,
      max_bytes: options.snapshotsMaxBytes,
      discard: DiscardPolicy.Old,
    },
    {
      ...common,
      name: subjects.deadLettersStream,
      subjects: [subjects.allDeadLetters],
      retention: RetentionPolicy.Limits,
      max_age: 30 * DAY_S * SECOND_NS,
      max_bytes: options.deadLettersMaxBytes,
      discard: DiscardPolicy.Old,
      duplicate_window: 120 * SECOND_NS,
    },
  ];
}

/**
 * Creates the streams that are missing and, when `options.updatesStreams` (the
 * orchestrator, whose NATS user alone may), brings an existing one's settings up to date.
 * Idempotent.
 */
export async function ensureStreams(jsm: JetStreamManager, subjects: Subjects, options: MessagingOptions): Promise<void> {
  for (const config of streamConfigs(subjects, options)) {
    const existing = await jsm.streams.info(config.name).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === JetStreamApiCodes.StreamNotFound) return null;
      throw error;
    });
    if (existing === null) {
      try {
        await jsm.streams.add(config);
      } catch (error) {
        if (!(error instanceof JetStreamApiError && error.code === STREAM_NAME_IN_USE)) throw error;
      }
      continue;
    }
    if (!options.updatesStreams) continue;
    const { retention: _retention, storage: _storage, ...mutable } = config;
    await jsm.streams.update(config.name, mutable);
  }
}
