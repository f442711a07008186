import type { z } from 'zod';
import { envelopeSchema, type OrchEvent, type OrchMessage } from './envelope';
import { MESSAGE_CATALOGUE, isMessageType } from './messages';
import { UPCASTERS } from './upcasters';

export type ValidationResult = { ok: true; message: OrchMessage } | { ok: false; reason: string };

/**
 * Checks an inbound message against the envelope and its type's schema, upcasting older
 * versions first. Never throws: a bad message comes back with a reason that names the
 * field, ready for the dead letters.
 */
export function validateMessage(raw: string | Uint8Array | unknown): ValidationResult {
  let value: unknown = raw;
  if (typeof raw === 'string' || raw instanceof Uint8Array) {
    const text = typeof raw === 'string' ? raw : Buffer.from(raw).toString('utf8');
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { ok: false, reason: `not JSON: ${(error as Error).message}` };
    }
  }
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) return { ok: false, reason: `invalid envelope: ${describeIssues(envelope.error)}` };
  const { type, kind, version } = envelope.data;
  if (!isMessageType(type)) return { ok: false, reason: `unknown message type "${type}"` };
  const entry = MESSAGE_CATALOGUE[type];
  if (kind !== entry.kind) return { ok: false, reason: `${type} is a ${entry.kind}, not a ${kind}` };
  if (version > entry.version) {
    return { ok: false, reason: `${type} version ${version} is newer than this service reads (${entry.version})` };
  }
  let data = envelope.data.data;
  for (let from = version; from < entry.version; from += 1) {
    const upcast = UPCASTERS[type]?.[from];
    if (!upcast) return { ok: false, reason: `${type} version ${from} has no upcaster` };
    data = upcast(data);
  }
  const parsed = entry.data.safeParse(data);
  if (!parsed.success) return { ok: false, reason: `invalid ${type}: ${describeIssues(parsed.error, 'data')}` };
  const message = { ...envelope.data, version: entry.version, data: parsed.data } as OrchMessage;
  return { ok: true, message };
}

/** `data.taskId: Invalid UUID; data.title: Too small` — each issue with the path to its field. */
export function describeIssues(error: z.ZodError, under?: string): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = [...(under === undefined ? [] : [under]), ...issue.path.map(String)];
      return `${path.length > 0 ? path.join('.') : '(root)'}: ${issue.message}`;
    })
    .join('; ');
}

export type EventValidation = { ok: true; event: OrchEvent } | { ok: false; reason: string };

/** Whether a valid message is an event (narrows the union; no cast). */
export function isEventMessage(message: OrchMessage): message is OrchEvent {
  return message.kind === 'event';
}

/**
 * A stored message → a validated event: what every reader of the event log does with what
 * it reads (see `validateMessage`). A command, or a message that fails its schema, comes
 * back with the reason.
 */
export function validateEvent(raw: string | Uint8Array | unknown): EventValidation {
  const validated = validateMessage(raw);
  if (!validated.ok) return validated;
  if (!isEventMessage(validated.message)) return { ok: false, reason: `${validated.message.type} is a command on an event subject` };
  return { ok: true, event: validated.message };
}
