/** A bearer token of the API with the name decisions are recorded under. */
export interface NamedToken {
  name: string;
  token: string;
}

/** A token's name: what a decision's `by` says. */
export const TOKEN_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,99}$/;

/**
 * `API_TOKENS=name:token,name2:token2` (each name and each token once; a token holds no
 * comma) → the named tokens, or why the value is refused (never quoting a token).
 */
export function parseNamedTokens(value: string): NamedToken[] | string {
  const tokens: NamedToken[] = [];
  const entries = value.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const name = colon < 0 ? '' : entry.slice(0, colon).trim();
    const token = colon < 0 ? '' : entry.slice(colon + 1).trim();
    if (!TOKEN_NAME_PATTERN.test(name)) return `entry ${index + 1} must be name:token, the name of letters, digits, _ . @ - (at most 100)`;
    if (token.length === 0) return `the token named ${name} is empty`;
    if (tokens.some((known) => known.name === name)) return `the name ${name} is given twice`;
    if (tokens.some((known) => known.token === token)) return `the token named ${name} is also another name's`;
    tokens.push({ name, token });
  }
  return tokens;
}

/** The tokens of API_TOKENS, and API_TOKEN as `default` (one token, no names). */
export function namedTokensFrom(env: Readonly<Record<string, string | undefined>>): NamedToken[] {
  const named = parseNamedTokens(env.API_TOKENS ?? '');
  const tokens = typeof named === 'string' ? [] : named;
  const single = env.API_TOKEN?.trim() ?? '';
  return single === '' ? tokens : [{ name: 'default', token: single }, ...tokens.filter((token) => token.name !== 'default')];
}
