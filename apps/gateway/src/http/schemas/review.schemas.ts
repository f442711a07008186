import { z } from 'zod';
import { STAGE_TYPES } from '@app/contracts';
import { requestSchemas, responseSchemas } from './common.schemas';

export const diffQuerySchema = z
  .object({
    stage: z.enum(STAGE_TYPES, { error: `must be one of ${STAGE_TYPES.join(', ')}` }).default('implementation'),
  })
  .register(requestSchemas, { id: 'DiffQuery' });

export const stageDiffViewSchema = z
  .object({
    stage: z.enum(STAGE_TYPES),
    stageId: z.uuid(),
    round: z.number().int().meta({ description: '0 for the first pass, +1 for each rework' }),
    attempt: z.number().int(),
    baseSha: z.string().meta({ description: "the task branch's commit when the stage started" }),
    headSha: z.string().meta({ description: 'the commit the runner made of the stage’s work' }),
    diff: z.string().meta({ description: 'unified diff (git diff base..head)' }),
    truncated: z.boolean().meta({ description: 'files past 256 KiB were left out (whole files, never half of one)' }),
  })
  .register(responseSchemas, { id: 'StageDiff', description: "The change the stage's latest completed run made on the task's branch." });
export type StageDiffView = z.infer<typeof stageDiffViewSchema>;
