import { loadGatewayConfig } from './gateway.config';

describe('gateway configuration: CORS_ORIGINS', () => {
  it('given none, then only the gateway\'s own origin is served (an empty list)', () => {
    expect(loadGatewayConfig({}).corsOrigins).toEqual([]);
  });

  it('given a comma list of origins, then they are read (a trailing slash dropped)', () => {
    expect(loadGatewayConfig({ CORS_ORIGINS: 'https://board.example, http://localhost:5173/' }).corsOrigins).toEqual(['https://board.example', 'http://localhost:5173']);
  });

  it.each(['board.example', 'https://board.example/path', '*'])('given %s, then the boot stops naming CORS_ORIGINS', (value) => {
    expect(() => loadGatewayConfig({ CORS_ORIGINS: value })).toThrow(/CORS_ORIGINS.*every entry must be an origin/s);
  });
});

describe('gateway configuration: API_TOKENS and API_TOKEN', () => {
  it('given named tokens and the old single token, then each is read with its name (API_TOKEN as default)', () => {
    expect(loadGatewayConfig({ API_TOKENS: 'alice:tok-alice-1, ci-bot:tok-ci-2', API_TOKEN: 'tok-old-0' }).apiTokens).toEqual([
      { name: 'default', token: 'tok-old-0' },
      { name: 'alice', token: 'tok-alice-1' },
      { name: 'ci-bot', token: 'tok-ci-2' },
    ]);
  });

  it('given neither, then the gateway is open (no tokens)', () => {
    expect(loadGatewayConfig({}).apiTokens).toEqual([]);
  });

  it.each([
    ['an entry without a name', 'tok-without-name', /entry 1 must be name:token/],
    ['a name given twice', 'alice:tok-aaaaaa1,alice:tok-bbbbbb2', /the name alice is given twice/],
    ['one token under two names', 'alice:tok-same-12,bob:tok-same-12', /the token named bob is also another name's/],
    ['an empty token', 'alice:', /the token named alice is empty/],
  ])('given %s, then the boot stops naming API_TOKENS without showing a token', (_case, value, message) => {
    let error: unknown;
    try {
      loadGatewayConfig({ API_TOKENS: value });
    } catch (thrown) {
      error = thrown;
    }
    expect(String(error)).toMatch(/API_TOKENS/);
    expect(String(error)).toMatch(message);
    expect(String(error)).not.toContain('tok-');
  });
});
