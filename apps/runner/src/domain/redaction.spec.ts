import { REDACTED, Redactor, secretForms } from './redaction';

const KEY = 'sk-ant-api03-Secret_Key-0123456789abcdef';

describe('redaction', () => {
  const redactor = new Redactor([KEY, null, undefined]);

  it('given the key in a line, then it is replaced', () => {
    expect(redactor.redact(`export ANTHROPIC_API_KEY=${KEY}; echo done`)).toBe(`export ANTHROPIC_API_KEY=${REDACTED}; echo done`);
  });

  it('given the key base64-encoded on its own, then the encoded key is replaced', () => {
    const encoded = Buffer.from(KEY).toString('base64');
    expect(redactor.redact(`token: ${encoded}`)).not.toContain(encoded.slice(4, -4));
  });

  it.each([0, 1, 2, 3, 4, 5])('given the key base64-encoded after %i other bytes, then no run of the encoded key survives', (prefix) => {
    const encoded = Buffer.from(`${'x'.repeat(prefix)}${KEY}!`).toString('base64');
    const redacted = redactor.redact(encoded);
    expect(redacted).toContain(REDACTED);
    // what is left around the marker is at most the few characters that mix the key with its neighbours
    expect(redacted.replace(REDACTED, '').length).toBeLessThanOrEqual(Math.ceil((prefix + 2) * 4 / 3) + 4);
  });

  it('given the key base64url-encoded (JWT style), then it is replaced too', () => {
    const encoded = Buffer.from(`{"k":"${KEY}"}`).toString('base64url');
    expect(redactor.redact(encoded)).toContain(REDACTED);
  });

  it('given a short or no secret, then nothing is redacted (it would match ordinary words)', () => {
    expect(secretForms('abc')).toEqual([]);
    expect(new Redactor(['abc', null]).redact('abc abc')).toBe('abc abc');
  });
});
