import { isAcceptedBodyType, isAllowedOrigin, isMutating } from './origin-policy';

describe('the browser-side origin policy', () => {
  it.each([
    ['no Origin header (curl, a server)', undefined, '127.0.0.1:3000', [], true],
    ['the gateway\'s own origin', 'http://127.0.0.1:3000', '127.0.0.1:3000', [], true],
    ['another port on the same host', 'http://127.0.0.1:8080', '127.0.0.1:3000', [], false],
    ['another host', 'http://evil.example', '127.0.0.1:3000', [], false],
    ['an origin listed in CORS_ORIGINS', 'https://board.example', '127.0.0.1:3000', ['https://board.example'], true],
    ['an origin not listed', 'https://evil.example', '127.0.0.1:3000', ['https://board.example'], false],
    ['the opaque origin "null"', 'null', '127.0.0.1:3000', [], false],
  ] as const)('given %s, then it is allowed: %s', (_what, origin, host, allowed, expected) => {
    expect(isAllowedOrigin(origin, host, allowed)).toBe(expected);
  });

  it('treats GET, HEAD and OPTIONS as reads and everything else as mutating', () => {
    expect(['GET', 'head', 'OPTIONS'].map(isMutating)).toEqual([false, false, false]);
    expect(['POST', 'PUT', 'PATCH', 'DELETE'].map(isMutating)).toEqual([true, true, true, true]);
  });

  it.each([
    [undefined, true],
    ['application/json', true],
    ['application/json; charset=utf-8', true],
    ['application/merge-patch+json', true],
    ['application/x-www-form-urlencoded', false],
    ['multipart/form-data; boundary=x', false],
    ['text/plain', false],
    ['text/plain;charset=UTF-8', false],
  ])('given a mutating request with content-type %s, then its body type is accepted: %s', (contentType, expected) => {
    expect(isAcceptedBodyType(contentType)).toBe(expected);
  });
});
