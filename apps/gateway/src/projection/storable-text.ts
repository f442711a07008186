/**
 * What Postgres cannot store: NUL (no text or jsonb value holds one) and a lone UTF-16
 * surrogate (no UTF-8 form; jsonb refuses its `\ud800` escape). Either, anywhere in an
 * event, would make the event unprojectable.
 */
const UNSTORABLE = new RegExp(`\\u0000|${loneSurrogate().source}`, 'g');

/** A UTF-16 surrogate without its pair: no character at all, with no UTF-8 form. */
export function loneSurrogate(): RegExp {
  return /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
}

/** The replacement character, U+FFFD, as UTF-8 decoders write for what they cannot read. */
const REPLACEMENT = '\ufffd';

/** `text` with each NUL and lone surrogate replaced by U+FFFD; anything else as it is. */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, REPLACEMENT);
}

/** `value` with every string in it (keys too) made storable: for text and jsonb columns alike. */
export function storableValue<T>(value: T): T {
  return storable(value) as T;
}

function storable(value: unknown): unknown {
  if (typeof value === 'string') return storableText(value);
  if (Array.isArray(value)) return value.map(storable);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [storableText(key), storable(inner)]));
  }
  return value;
}
