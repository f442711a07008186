/** The four apps, in the order a system starts them (scripts/start.mjs reads this list from dist/). */
export const APP_NAMES = ['pool-manager', 'runner', 'orchestrator', 'gateway'] as const;
export type AppName = (typeof APP_NAMES)[number];
