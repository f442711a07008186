import { Subjects } from '@app/contracts';

export interface MessagingOptions {
  /** `nats://host:port`, or several separated by commas */
  natsUrl: string;
  /** the subject root, `orch` unless several deployments share one NATS server */
  subjectRoot: string;
  /** prepended to every stream name */
  streamPrefix: string;
  /** this process, as it signs the messages it produces (`runner@host:pid`) */
  producer: string;
  /** how long agent output is kept in ORCH_LOGS, seconds */
  logsMaxAgeS: number;
  /** the most ORCH_LOGS may hold, bytes */
  logsMaxBytes: number;
  /** the most messages ORCH_EVENTS may hold; then appends are refused (the log is never cut) */
  eventsMaxMessages: number;
  /** how long heartbeats are kept in ORCH_HEARTBEATS, seconds */
  heartbeatsMaxAgeS: number;
  /**
   * the most the disposable streams may hold, bytes: ORCH_HEARTBEATS, ORCH_SNAPSHOTS,
   * ORCH_DLQ. JetStream reserves a stream's `max_bytes` from its store when the stream is
   * made, so their sum (with `logsMaxBytes`) must fit in the server's `max_file_store`.
   */
  heartbeatsMaxBytes: number;
  snapshotsMaxBytes: number;
  deadLettersMaxBytes: number;
  /** the most the aggregate states an app keeps in memory (`AggregateStore`'s cache) may take, bytes (as JSON) */
  aggregateCacheMaxBytes: number;
  /** stream replicas: 1 on one server, 3 on a cluster */
  replicas: number;
  /** this app's NATS user (`NATS_USER`/`NATS_PASSWORD`); null against a server without authorization */
  credentials: NatsCredentials | null;
  /** whether this app brings existing streams' settings up to date (the orchestrator); the others only create a missing stream */
  updatesStreams: boolean;
}

export interface NatsCredentials {
  user: string;
  password: string;
}

export function subjectsOf(options: Pick<MessagingOptions, 'subjectRoot' | 'streamPrefix'>): Subjects {
  return new Subjects(options.subjectRoot, options.streamPrefix);
}
