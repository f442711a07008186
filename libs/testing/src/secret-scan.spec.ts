import { occurrences, secretNeedles } from './secret-scan';

describe('secret needles', () => {
  const secret = 'sk-ant-canary-5f0c1e9a7b3d';
  const needles = secretNeedles(secret);

  it.each([
    ['as is', `key=${secret};`],
    ['hex', Buffer.from(secret).toString('hex')],
    ['base64 at offset 0', Buffer.from(`${secret}!`).toString('base64')],
    ['base64 at offset 1', Buffer.from(`x${secret}`).toString('base64')],
    ['base64 at offset 2 (Basic auth)', `Authorization: Basic ${Buffer.from(`user:${secret}`).toString('base64')}`],
    ['base64url', Buffer.from(`xy${secret}??>>`).toString('base64url')],
  ])('given the secret %s inside other text, then it is found', (_form, text) => {
    expect(occurrences(`before ${text} after`, needles)).toBeGreaterThan(0);
  });

  it('given text without it (or with a redaction in its place), then nothing is found', () => {
    expect(occurrences(`Using API key [REDACTED]; ${Buffer.from('sk-ant-other-key-000000').toString('base64')}`, needles)).toBe(0);
  });
});
