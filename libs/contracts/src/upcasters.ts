import type { MessageType } from './messages';

/** Turns `data` of version `from` into version `from + 1`. */
export type Upcaster = (data: unknown) => unknown;

/**
 * Upcasters by message type and the version they read. Every type is at version 1, so
 * there are none yet; a breaking change to a type's data adds its upcaster here so that
 * old messages in the log still replay.
 */
export const UPCASTERS: Partial<Record<MessageType, Record<number, Upcaster>>> = {};
