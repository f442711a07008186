import { fitToJsonBytes, jsonBytes } from './text-budget';

describe('fitToJsonBytes', () => {
  it('given a text that fits, then it is returned unchanged', () => {
    expect(fitToJsonBytes('short\ntext', 100, 'output')).toBe('short\ntext');
  });

  it('given a text past the budget, then it is cut to fit (escapes and multi-byte characters counted) with a note naming what was left out', () => {
    // given 10,000 characters that take 3 bytes each in UTF-8, and newlines that take 2 as JSON
    const text = 'é€\n'.repeat(10_000);

    // when it is fitted into 4 KiB
    const fitted = fitToJsonBytes(text, 4096, 'specification');

    // then it fits, starts as the text did, and says how much was dropped
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(4096);
    expect(jsonBytes(fitted)).toBeGreaterThan(3900);
    const kept = fitted.slice(0, fitted.indexOf('\n\n[…'));
    expect(text.startsWith(kept)).toBe(true);
    expect(fitted).toContain(`[… ${text.length - kept.length} more characters of the specification left out: a message holds at most 4096 bytes of it]`);
  });

  it('given a cut that would fall inside a surrogate pair, then the pair is left out whole', () => {
    const fitted = fitToJsonBytes('😀'.repeat(1000), 300, 'output');
    const kept = fitted.slice(0, fitted.indexOf('\n\n[…'));
    expect(kept).toBe('😀'.repeat(kept.length / 2));
    expect(jsonBytes(fitted)).toBeLessThanOrEqual(300);
  });
});
