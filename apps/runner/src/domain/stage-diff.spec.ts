import { recordedDiff } from './stage-diff';

const file = (name: string, lines: number) =>
  `diff --git a/${name} b/${name}\n--- a/${name}\n+++ b/${name}\n@@ -0,0 +1,${lines} @@\n${'+ünïcode line\n'.repeat(lines)}`;

describe('recordedDiff', () => {
  it('keeps a diff under the limit as it is', () => {
    const patch = file('a.ts', 3) + file('b.ts', 2);
    expect(recordedDiff('base', 'head', patch, 10_000)).toEqual({ baseSha: 'base', headSha: 'head', patch, truncated: false });
  });

  it('leaves out whole files past the limit, counting UTF-8 bytes', () => {
    const first = file('a.ts', 10);
    const second = file('b.ts', 10);
    const patch = first + second + file('c.ts', 1);
    const limit = Buffer.byteLength(first + second, 'utf8');
    expect(first.length + second.length).toBeLessThan(limit);
    expect(recordedDiff('base', 'head', patch, limit)).toEqual({ baseSha: 'base', headSha: 'head', patch: first + second, truncated: true });
    expect(recordedDiff('base', 'head', patch, limit - 1).patch).toBe(first);
  });

  it('keeps no file rather than half of one larger than the limit', () => {
    const patch = file('huge.bin', 1000) + file('small.ts', 1);
    expect(recordedDiff('base', 'head', patch, 100)).toEqual({ baseSha: 'base', headSha: 'head', patch: '', truncated: true });
  });
});
