import { parseResetTime, readApiLimit, type LimitFacts } from './api-limit';

const NOW = new Date('2026-07-01T12:00:00.000Z');

function limitFacts(overrides: Partial<LimitFacts> = {}): LimitFacts {
  return { resultText: null, apiErrorStatus: null, lastRetry: null, stderrTail: '', ...overrides };
}

describe('readApiLimit', () => {
  it('given the result the real CLI prints after its retries of a 429, then a rate limit, lifting when its last retry would have tried again', () => {
    const limit = readApiLimit(
      limitFacts({
        resultText: 'API Error: Request rejected (429) · Number of request tokens has exceeded your per-minute rate limit',
        apiErrorStatus: 429,
        lastRetry: { status: 429, error: 'rate_limit', retryDelayMs: 30_000 },
      }),
      NOW,
    );
    expect(limit).toEqual({
      kind: 'rate-limit',
      status: 429,
      resetAt: new Date('2026-07-01T12:00:30.000Z'),
      detail: 'API Error: Request rejected (429) · Number of request tokens has exceeded your per-minute rate limit',
    });
  });

  it('given a 529 after the retries, then overloaded, with no reset time when no retry line said one', () => {
    const limit = readApiLimit(limitFacts({ resultText: 'API Error: 529 Overloaded. This is a server-side issue, usually temporary', apiErrorStatus: 529 }), NOW);
    expect(limit).toMatchObject({ kind: 'overloaded', status: 529, resetAt: null });
  });

  it('given a subscription usage limit with its reset as epoch seconds, then a usage limit resetting then', () => {
    const limit = readApiLimit(limitFacts({ resultText: 'Claude AI usage limit reached|1782914700' }), NOW);
    expect(limit).toMatchObject({ kind: 'usage-limit', resetAt: new Date(1782914700 * 1000) });
  });

  it('given a usage limit naming a wall-clock time in a zone, then it resets at the next such time', () => {
    const limit = readApiLimit(limitFacts({ resultText: "You've hit your limit · resets 3pm (Europe/Berlin)", apiErrorStatus: 429 }), NOW);
    // 15:00 in Berlin in July is 13:00 UTC
    expect(limit).toMatchObject({ kind: 'usage-limit', resetAt: new Date('2026-07-01T13:00:00.000Z') });
  });

  it('given an error that is no limit (a 500, a refused key), then none', () => {
    expect(readApiLimit(limitFacts({ resultText: 'API Error: 500 simulated', apiErrorStatus: 500 }), NOW)).toBeNull();
    expect(readApiLimit(limitFacts({ resultText: 'Credit balance is too low' }), NOW)).toBeNull();
    expect(readApiLimit(limitFacts({ resultText: 'I will fix the rate limiter in src/limit.ts' }), NOW)).toBeNull();
  });
});

describe('parseResetTime', () => {
  it.each([
    ['usage limit reached|1782914700000', '2026-07-01T14:05:00.000Z'],
    ['Your limit resets at 2026-07-01T14:05:00Z', '2026-07-01T14:05:00.000Z'],
    ['5-hour limit reached ∙ resets 2:05pm', '2026-07-01T14:05:00.000Z'],
    ['limit reached, resets at 14:05', '2026-07-01T14:05:00.000Z'],
    // a time of day already past today is tomorrow's
    ['resets 9am', '2026-07-02T09:00:00.000Z'],
    ['resets 7pm (America/New_York)', '2026-07-01T23:00:00.000Z'],
  ])('given %j, then %s', (text, expected) => {
    expect(parseResetTime(text, NOW)?.toISOString()).toBe(expected);
  });

  it.each(['usage limit reached', 'resets 25:00', 'resets 13pm', 'resets 3pm (Not/AZone)', 'resets 3'])('given %j, then no time', (text) => {
    expect(parseResetTime(text, NOW)).toBeNull();
  });
});
