import { loneSurrogate } from '../../projection/storable-text';
/** git's own limit is the file system's; a branch name longer than this is no name a person typed */
const MAX_REF_NAME_LENGTH = 255;

/** Characters no ref name may hold (git check-ref-format rules 3–5, 10): controls (C1 too), space, ~ ^ : ? * [ \ */
const FORBIDDEN = /[\u0000-\u0020\u007f-\u009f~^:?*[\\]/;
const LONE_SURROGATE = loneSurrogate();

/**
 * Why `name` is not a valid branch name by `git check-ref-format --branch`'s rules, or null
 * when it is: no leading `-`, no `..`, `@{`, `//`, control character, space, `~ ^ : ? * [ \`
 * (nor a lone surrogate, which is no character);
 * no component starting with `.` or ending with `.lock`; not ending in `/` or `.`; not `@`
 * or `HEAD`.
 */
export function refNameProblem(name: string): string | null {
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_REF_NAME_LENGTH) return `must be at most ${MAX_REF_NAME_LENGTH} characters`;
  if (name.startsWith('-')) return 'must not start with "-"';
  if (name === '@' || name === 'HEAD') return `must not be "${name}"`;
  const forbidden = FORBIDDEN.exec(name);
  if (forbidden) return `must not contain ${describe(forbidden[0])}`;
  if (LONE_SURROGATE.test(name)) return 'must not contain a lone surrogate';
  for (const sequence of ['..', '@{', '//']) if (name.includes(sequence)) return `must not contain "${sequence}"`;
  if (name.startsWith('/') || name.endsWith('/')) return 'must not start or end with "/"';
  if (name.endsWith('.')) return 'must not end with "."';
  for (const component of name.split('/')) {
    if (component.startsWith('.')) return 'must not have a part starting with "."';
    if (component.endsWith('.lock')) return 'must not have a part ending with ".lock"';
  }
  return null;
}

function describe(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  if (character === ' ') return 'a space';
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `a control character (U+${code.toString(16).toUpperCase().padStart(4, '0')})`;
  return `"${character}"`;
}
