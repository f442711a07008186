import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { StageDiff, StageType } from '@app/contracts';
import { StageEntity } from '@app/persistence';
import { DiffNotRecorded } from '../errors/gateway.errors';
import type { StageDiffView } from '../http/schemas/review.schemas';
import { TasksService } from './tasks.service';

/** The diffs the runner recorded with each completed stage run (StageCompleted's `diff`). */
@Injectable()
export class StageDiffsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly tasks: TasksService,
  ) {}

  /** The diff of the stage's latest completed run (its last round, its last attempt). */
  async latest(taskId: string, stage: StageType): Promise<StageDiffView> {
    await this.tasks.get(taskId);
    const row = await this.dataSource
      .getRepository(StageEntity)
      .createQueryBuilder('stage')
      .addSelect('stage.stageDiff')
      .where('stage.taskId = :taskId AND stage.stageType = :stage AND stage.stageDiff IS NOT NULL', { taskId, stage })
      .orderBy('stage.stageRound', 'DESC')
      .addOrderBy('stage.attempt', 'DESC')
      .getOne();
    const diff: StageDiff | null = row?.stageDiff ?? null;
    if (row === null || diff === null) throw new DiffNotRecorded(taskId, stage);
    return { stage, stageId: row.id, round: row.stageRound, attempt: row.attempt, baseSha: diff.baseSha, headSha: diff.headSha, diff: diff.patch, truncated: diff.truncated };
  }
}
