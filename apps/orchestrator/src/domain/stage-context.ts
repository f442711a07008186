import { fitToJsonBytes, jsonBytes, type StageContext } from '@app/contracts';

/**
 * Bytes (as JSON) the earlier stages' outputs may take together in one stage's context.
 * With the task's title and description (at most 20,000 characters) and the rest of the
 * envelope, a `RunStage` or `StageScheduled` then stays well under NATS's 1 MiB payload.
 */
export const MAX_CONTEXT_OUTPUT_BYTES = 640 * 1024;

/**
 * The context with the specification and the implementation summary cut (each with a note)
 * when together they pass MAX_CONTEXT_OUTPUT_BYTES: each keeps half the budget, or more
 * when the other takes less. A context that could not be sent would stall the task.
 */
export function boundedContext(context: StageContext): StageContext {
  const { specification, implementationSummary } = context;
  const specBytes = specification === undefined ? 0 : jsonBytes(specification);
  const summaryBytes = implementationSummary === undefined ? 0 : jsonBytes(implementationSummary);
  if (specBytes + summaryBytes <= MAX_CONTEXT_OUTPUT_BYTES) return context;
  const half = MAX_CONTEXT_OUTPUT_BYTES / 2;
  const bounded: StageContext = { ...context };
  if (specification !== undefined) bounded.specification = fitToJsonBytes(specification, Math.max(half, MAX_CONTEXT_OUTPUT_BYTES - summaryBytes), 'specification');
  if (implementationSummary !== undefined) {
    bounded.implementationSummary = fitToJsonBytes(implementationSummary, Math.max(half, MAX_CONTEXT_OUTPUT_BYTES - specBytes), 'implementation summary');
  }
  return bounded;
}
