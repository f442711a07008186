/** NATS's default `max_payload`: a message larger than this is refused by the server (bytes). */
export const NATS_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** bytes `text` takes inside a JSON message (UTF-8, with its quotes and escapes) */
export function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text));
}

/**
 * `text` cut so that, as a JSON string, it takes at most `maxBytes` bytes, ending with a
 * note that says how much of `what` was left out (and why). Unchanged when it fits. The
 * cut never splits a surrogate pair.
 */
export function fitToJsonBytes(text: string, maxBytes: number, what: string): string {
  if (jsonBytes(text) <= maxBytes) return text;
  const cutAt = (chars: number) => {
    const end = chars > 0 && isHighSurrogate(text.charCodeAt(chars - 1)) ? chars - 1 : chars;
    return `${text.slice(0, end)}\n\n[… ${text.length - end} more characters of the ${what} left out: a message holds at most ${maxBytes} bytes of it]`;
  };
  let fits = 0;
  let tooLong = text.length;
  while (tooLong - fits > 1) {
    const middle = Math.floor((fits + tooLong) / 2);
    if (jsonBytes(cutAt(middle)) <= maxBytes) fits = middle;
    else tooLong = middle;
  }
  return cutAt(fits);
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
