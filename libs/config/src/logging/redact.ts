import { namedTokensFrom } from '../api-tokens';
/** Anthropic API keys, wherever they appear in a message. */
const ANTHROPIC_KEY = /sk-ant-[A-Za-z0-9_-]+/g;
/** The password of a URL's userinfo, e.g. in a DATABASE_URL. */
const URL_PASSWORD = /(\/\/[^/:@\s]+:)[^@\s/]+@/g;
/** Variables whose values are secrets: never written to a log, whatever their shape. */
export const SECRET_VARIABLES = ['CLAUDE_API_KEY', 'ANTHROPIC_API_KEY', 'ANTHROPIC_AUTH_TOKEN', 'OPENAI_API_KEY', 'CODEX_API_KEY', 'API_TOKEN', 'API_TOKENS', 'NATS_PASSWORD', 'WEBHOOK_SECRET'] as const;

/**
 * Returns a function that removes secrets from a text: the values of the secret
 * variables in `env`, anything shaped like an Anthropic key, and URL passwords.
 */
export function secretScrubber(env: NodeJS.ProcessEnv): (text: string) => string {
  // API_TOKENS holds several: each token is a secret of its own
  const values = [...SECRET_VARIABLES.map((name) => env[name]?.trim() ?? ''), ...namedTokensFrom(env).map((named) => named.token)].filter((value) => value.length >= 6);
  return (text) => {
    let scrubbed = text;
    for (const value of values) scrubbed = scrubbed.split(value).join('[redacted]');
    return scrubbed.replace(ANTHROPIC_KEY, 'sk-ant-[redacted]').replace(URL_PASSWORD, '$1***@');
  };
}
