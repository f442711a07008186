import { describe, expect, it } from 'vitest';
import { formatCost, formatCount, formatDuration, formatElapsed, formatRatio } from './format';

describe('format', () => {
  it.each([
    [850, '850 ms'],
    [4_200, '4.2 s'],
    [185_000, '3 min 05 s'],
    [3_720_000, '1 h 02 min'],
  ])('formatDuration(%d) = %s', (ms, text) => expect(formatDuration(ms)).toBe(text));

  it.each([
    [7_400, '0:07'],
    [754_000, '12:34'],
    [3_723_000, '1:02:03'],
  ])('formatElapsed(%d) = %s', (ms, text) => expect(formatElapsed(ms)).toBe(text));

  it('formats costs, counts and ratios', () => {
    expect([formatCost(0.025892), formatCost(12.5), formatCost(0)]).toEqual(['$0.0259', '$12.50', '$0.0000']);
    expect([formatCount(950), formatCount(52_000), formatCount(1_200_000)]).toEqual(['950', '52.0k', '1.20M']);
    expect([formatRatio(2 / 3), formatRatio(null)]).toEqual(['67%', '–']);
  });
});
