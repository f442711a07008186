import { createHash, randomBytes } from 'node:crypto';

/**
 * A UUIDv7: 48 bits of Unix milliseconds, then random bits. Sorts by creation time,
 * which keeps envelope ids readable in a stream dump.
 */
export function uuidv7(nowMs: number = Date.now()): string {
  const bytes = randomBytes(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  bytes[6] = (bytes[6]! & 0x0f) | 0x70;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes);
}

/**
 * A UUIDv8 derived from its parts by SHA-256. A handler that derives the ids of the
 * messages it emits from the message it handles emits the same ids when that message
 * is redelivered, so JetStream's duplicate window drops the second copy.
 */
export function deterministicId(...parts: ReadonlyArray<string | number>): string {
  const digest = createHash('sha256').update(parts.join('\u001f')).digest();
  const bytes = digest.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x80;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  return formatUuid(bytes);
}

function formatUuid(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The orchestration a start command opens; the gateway derives the same id to answer at once. */
export function orchestrationIdFor(startCommandId: string): string {
  return deterministicId(startCommandId, 'orchestration');
}

/** A text's revision: the SHA-256 of its UTF-8 bytes, hex (a specification's, at its approval gate). */
export function contentRevision(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
