import { Injectable } from '@nestjs/common';
import type { LogBatch, MessageOf } from '@app/contracts';
import { SequencedFeed } from '../projection/sequenced-feed';

/** Agent output batches from ORCH_LOGS, in order, as they arrive. */
@Injectable()
export class LogFeed extends SequencedFeed<LogBatch> {}

export function toLogBatch(seq: number, event: MessageOf<'RunOutputLogged'>): LogBatch {
  const { taskId, stageId, attempt, lines } = event.data;
  return { seq, taskId, stageId, attempt, lines };
}
