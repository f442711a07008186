import { z } from 'zod';
import { loneSurrogate } from '../../projection/storable-text';
import { refNameProblem } from './ref-name.rule';

/** C0 and C1 control characters and DEL */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** the same, but for line breaks and tabs, which a description may hold */
const CONTROL_BUT_LAYOUT = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
const LONE_SURROGATE = loneSurrogate();

const NO_CONTROLS = 'must not contain control characters (U+0000–U+001F, U+007F–U+009F)';
const NO_CONTROLS_BUT_LAYOUT = 'must not contain control characters other than line breaks and tabs';
const NO_LONE_SURROGATES = 'must not contain lone surrogates (U+D800–U+DFFF without their pair)';

/** A one-line text (a title, a key): no control character at all, no lone surrogate. */
export function lineText<S extends z.ZodString>(schema: S): S {
  return schema.refine((text) => !CONTROL.test(text), NO_CONTROLS).refine((text) => !LONE_SURROGATE.test(text), NO_LONE_SURROGATES);
}

/** A text of several lines (a description, a reason): line breaks and tabs, but no other control character, no lone surrogate. */
export function proseText<S extends z.ZodString>(schema: S): S {
  return schema.refine((text) => !CONTROL_BUT_LAYOUT.test(text), NO_CONTROLS_BUT_LAYOUT).refine((text) => !LONE_SURROGATE.test(text), NO_LONE_SURROGATES);
}

/** An absolute path on the runner's host. */
export const absolutePath = lineText(z.string('must be a string').min(1, { error: 'must not be empty', abort: true }).max(4096, 'must be at most 4096 characters')).refine(
  (path) => path.startsWith('/'),
  'must be an absolute path (starting with "/")',
);

/** A branch name by git check-ref-format's rules (see refNameProblem). */
export const branchName = z.string('must be a string').superRefine((name, context) => {
  const problem = refNameProblem(name);
  if (problem !== null) context.addIssue({ code: 'custom', message: `must be a valid branch name: ${problem}` });
});
