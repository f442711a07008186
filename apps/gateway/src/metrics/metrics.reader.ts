import { Injectable } from '@nestjs/common';
import { NatsClient } from '@app/messaging';
import { PROJECTION_NAME } from '../projection/projection.step';
import { ReadModel, type ReadModelCounts, type RunDuration, type StageCounts } from '../projection/read-model.repository';
import { StreamCursor } from '../projection/stream-cursor';

export type { RunDuration, StageCounts };

/** The numbers every metric is made of: the read model's at one projection checkpoint (`seq`), and the streams'. */
export type MetricsReading = Omit<ReadModelCounts, 'projectionDeadLetters'> & {
  /** dead letters by the consumer that gave up on them (the ORCH_DLQ stream's, and the projection's own) */
  deadLetters: Record<string, number>;
  /** ORCH_EVENTS' last sequence; null while NATS does not answer */
  streamLastSeq: number | null;
};

/** Reads the metrics from the read model (one snapshot) and from the streams' state. */
@Injectable()
export class MetricsReader {
  constructor(
    private readonly readModel: ReadModel,
    private readonly cursor: StreamCursor,
    private readonly nats: NatsClient,
  ) {}

  async read(): Promise<MetricsReading> {
    const [{ projectionDeadLetters, ...counts }, streams] = await Promise.all([this.readModel.counts(), this.readStreams()]);
    const deadLetters = { ...streams.deadLetters };
    if (projectionDeadLetters > 0) deadLetters[PROJECTION_NAME] = (deadLetters[PROJECTION_NAME] ?? 0) + projectionDeadLetters;
    return { ...counts, deadLetters, streamLastSeq: streams.lastSeq };
  }

  /** Every finished run's duration: what the duration histogram is made of. */
  durations(): Promise<RunDuration[]> {
    return this.readModel.runDurations();
  }

  /** Stream state, or nothing known while NATS does not answer. */
  private async readStreams(): Promise<{ lastSeq: number | null; deadLetters: Record<string, number> }> {
    if (!this.nats.isConnected) return { lastSeq: null, deadLetters: {} };
    try {
      const [bounds, counts] = await Promise.all([this.cursor.bounds('events'), this.cursor.deadLetterCounts()]);
      const prefix = this.nats.subjects.deadLetter('');
      const deadLetters = Object.fromEntries(Object.entries(counts).map(([subject, count]) => [subject.slice(prefix.length), count]));
      return { lastSeq: bounds.lastSeq, deadLetters };
    } catch {
      return { lastSeq: null, deadLetters: {} };
    }
  }
}
