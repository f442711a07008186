import { z } from 'zod';
import { apiLimitKindSchema, diffStatSchema, executorNameSchema, qaVerdictSchema, STAGE_STATUSES, STAGE_TYPES, stageContextSchema } from '@app/contracts';
import type { StageEntity } from '@app/persistence';
import { isoTime, responseSchemas } from './common.schemas';

export const stageViewSchema = z
  .object({
    id: z.uuid(),
    taskId: z.uuid(),
    orchestrationId: z.uuid().nullable(),
    stageType: z.enum(STAGE_TYPES),
    status: z.enum(STAGE_STATUSES),
    stageRound: z.number().int().meta({ description: '0 for the first pass, +1 for each QA rework' }),
    attempt: z.number().int().meta({ description: '1 for the first run, 2 for the first retry, …' }),
    retryCount: z.number().int().nullable(),
    stageContext: z.union([stageContextSchema, z.object({})]).nullable().meta({ description: 'what the stage was given to work on' }),
    commandOutput: z.string().nullable().meta({ description: "the agent's final text" }),
    errorMessage: z.string().nullable(),
    retryable: z.boolean().nullable(),
    containerId: z.number().int().nullable().meta({ description: 'the slot number (the seed’s container_id)' }),
    containerRef: z.string().nullable().meta({ description: 'Docker container id, or local-<slot>' }),
    port: z.number().int().nullable(),
    leaseId: z.uuid().nullable(),
    startedAt: isoTime.nullable(),
    deadlineAt: isoTime.nullable(),
    completedAt: isoTime.nullable(),
    createdAt: isoTime.nullable(),
    updatedAt: isoTime.nullable(),
    executor: executorNameSchema.nullable().meta({ description: 'the agent CLI the last attempt ran on; null before it started' }),
    model: z.string().nullable().meta({ description: "the model that attempt asked for; null = the executor's configured default" }),
    costUsd: z.number().nullable().meta({ description: 'US dollars' }),
    inputTokens: z.number().int().nullable(),
    outputTokens: z.number().int().nullable(),
    cacheReadTokens: z.number().int().nullable(),
    cacheCreationTokens: z.number().int().nullable(),
    numTurns: z.number().int().nullable(),
    sessionId: z.string().nullable(),
    durationMs: z.number().int().nullable().meta({ description: 'milliseconds, as the agent CLI measured the run' }),
    diffStat: diffStatSchema.nullable(),
    verdict: qaVerdictSchema.nullable(),
    parkedLimit: apiLimitKindSchema.nullable().meta({ description: "the model API's limit the stage waits for (it runs again when it lifts); null when it waits for none" }),
    parkedUntil: isoTime.nullable().meta({ description: 'when a parked stage runs again' }),
    lastEventSeq: z.number().int(),
  })
  .register(responseSchemas, { id: 'Stage' });
export type StageView = z.infer<typeof stageViewSchema>;

const iso = (value: Date | null): string | null => (value === null ? null : value.toISOString());

export function toStageView(stage: StageEntity): StageView {
  return {
    id: stage.id,
    taskId: stage.taskId,
    orchestrationId: stage.orchestrationId,
    stageType: stage.stageType,
    status: stage.status,
    stageRound: stage.stageRound,
    attempt: stage.attempt,
    retryCount: stage.retryCount,
    stageContext: stage.stageContext,
    commandOutput: stage.commandOutput,
    errorMessage: stage.errorMessage,
    retryable: stage.retryable,
    containerId: stage.containerId,
    containerRef: stage.containerRef,
    port: stage.port,
    leaseId: stage.leaseId,
    startedAt: iso(stage.startedAt),
    deadlineAt: iso(stage.deadlineAt),
    completedAt: iso(stage.completedAt),
    createdAt: iso(stage.createdAt),
    updatedAt: iso(stage.updatedAt),
    executor: stage.executor,
    model: stage.model,
    costUsd: stage.costUsd,
    inputTokens: stage.inputTokens,
    outputTokens: stage.outputTokens,
    cacheReadTokens: stage.cacheReadTokens,
    cacheCreationTokens: stage.cacheCreationTokens,
    numTurns: stage.numTurns,
    sessionId: stage.sessionId,
    durationMs: stage.durationMs,
    diffStat: stage.diffStat,
    verdict: stage.verdict,
    parkedLimit: stage.parkedLimit,
    parkedUntil: iso(stage.parkedUntil),
    lastEventSeq: stage.lastEventSeq,
  };
}
