import { z } from 'zod';

/** The agent CLIs a stage can run (the runner's executors). Wire names: stored in stage records and project settings. */
export const EXECUTOR_NAMES = ['claude-code', 'codex'] as const;
export type ExecutorName = (typeof EXECUTOR_NAMES)[number];
export const executorNameSchema = z.enum(EXECUTOR_NAMES);

/** The agent CLI a stage runs on, and its model (null = the executor's configured default). */
export const stageExecutorSchema = z.object({ executor: executorNameSchema, model: z.string().min(1).max(200).nullable() });
export type StageExecutor = z.infer<typeof stageExecutorSchema>;

/** The executor of each stage a project or task names; a stage not named runs as the runner's STAGE_EXECUTORS say (Claude Code by default). */
export const stageExecutorsSchema = z.object({ specification: stageExecutorSchema.optional(), implementation: stageExecutorSchema.optional(), qa: stageExecutorSchema.optional() }).strict();
export type StageExecutors = z.infer<typeof stageExecutorsSchema>;

/**
 * One thing an agent's output stream said, in the system's own terms whichever CLI wrote it:
 * its text, a tool it called, that tool's result, the tokens it used, its final result.
 */
export const agentLogEntrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('text'), text: z.string() }),
  z.object({
    kind: z.literal('tool-call'),
    /** the CLI's id of the call, matching its tool-result */
    callId: z.string(),
    tool: z.string(),
    /** the call's input as JSON text */
    input: z.string(),
  }),
  z.object({ kind: z.literal('tool-result'), callId: z.string(), output: z.string(), isError: z.boolean() }),
  z.object({
    kind: z.literal('usage'),
    inputTokens: z.number().int().nonnegative(),
    outputTokens: z.number().int().nonnegative(),
    cacheReadInputTokens: z.number().int().nonnegative(),
  }),
  z.object({
    kind: z.literal('result'),
    isError: z.boolean(),
    text: z.string(),
    sessionId: z.string(),
    /** US dollars; 0 when the CLI does not report a cost */
    totalCostUsd: z.number().nonnegative(),
  }),
]);
export type AgentLogEntry = z.infer<typeof agentLogEntrySchema>;
