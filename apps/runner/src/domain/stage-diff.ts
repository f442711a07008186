import { STAGE_DIFF_MAX_BYTES, type StageDiff } from '@app/contracts';

/** Where each file's section of a `git diff` begins. */
const FILE_HEADER = /^diff --git /gm;

/**
 * The stage's diff as it is kept in StageCompleted: whole files from the top while they fit
 * in `maxBytes` (UTF-8), the rest left out — never a file cut in half, which a diff viewer
 * would render as a broken hunk. One file larger than the limit alone leaves an empty patch.
 */
export function recordedDiff(baseSha: string, headSha: string, patch: string, maxBytes = STAGE_DIFF_MAX_BYTES): StageDiff {
  if (Buffer.byteLength(patch, 'utf8') <= maxBytes) return { baseSha, headSha, patch, truncated: false };
  const starts = [...patch.matchAll(FILE_HEADER)].map((match) => match.index);
  let kept = 0;
  let keptBytes = 0;
  for (const [index, start] of starts.entries()) {
    const end = starts[index + 1] ?? patch.length;
    keptBytes += Buffer.byteLength(patch.slice(start, end), 'utf8');
    if (keptBytes > maxBytes) break;
    kept = end;
  }
  return { baseSha, headSha, patch: patch.slice(0, kept), truncated: true };
}
