import type { StageType } from '../contracts';

/** The stages in the order a task passes through them (as STAGE_TYPES in libs/contracts). */
export const STAGE_ORDER: readonly StageType[] = ['specification', 'implementation', 'qa'];

export const STAGE_TITLES: Record<StageType, string> = { specification: 'Specification', implementation: 'Implementation', qa: 'QA' };
