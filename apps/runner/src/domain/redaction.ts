export const REDACTED = '[REDACTED]';

/** Secrets shorter than this are not redacted: they would match ordinary text. */
const MIN_SECRET_LENGTH = 8;

/**
 * Every form in which `secret` can show up in text: as is, and base64 (standard and URL
 * alphabets) at each of the three byte alignments it can have inside a longer encoded
 * string — only the characters that depend on the secret's bytes alone, so the form is
 * found whatever was encoded before or after it.
 */
export function secretForms(secret: string): string[] {
  if (secret.length < MIN_SECRET_LENGTH) return [];
  const bytes = Buffer.from(secret, 'utf8');
  const forms = new Set<string>([secret]);
  for (let offset = 0; offset < 3; offset += 1) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64').replace(/=+$/, '');
    const firstClean = Math.ceil((offset * 8) / 6);
    const lastClean = Math.floor(((offset + bytes.length) * 8) / 6);
    const clean = encoded.slice(firstClean, lastClean);
    if (clean.length >= MIN_SECRET_LENGTH) {
      forms.add(clean);
      forms.add(clean.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms].sort((a, b) => b.length - a.length);
}

/** Replaces every form of every secret (see `secretForms`) with `[REDACTED]`. */
export class Redactor {
  private readonly forms: string[];

  constructor(secrets: ReadonlyArray<string | null | undefined>) {
    const all = secrets.filter((secret): secret is string => typeof secret === 'string').flatMap(secretForms);
    this.forms = [...new Set(all)].sort((a, b) => b.length - a.length);
  }

  redact(text: string): string {
    let out = text;
    for (const form of this.forms) {
      if (out.includes(form)) out = out.split(form).join(REDACTED);
    }
    return out;
  }
}
