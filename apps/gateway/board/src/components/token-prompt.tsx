import { useState, type FormEvent } from 'react';

interface Props {
  /** a token was given and the gateway refused it */
  refused: boolean;
  onSubmit(token: string): void;
}

/** Asks once for the gateway's API_TOKEN; the page keeps it for the browser session. */
export function TokenPrompt({ refused, onSubmit }: Props) {
  const [token, setToken] = useState('');
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (token.trim() !== '') onSubmit(token.trim());
  };
  return (
    <div className="overlay">
      <form className="dialog" onSubmit={submit} aria-labelledby="token-title">
        <h2 id="token-title">API token</h2>
        <p>This gateway needs its API token (API_TOKEN). It is kept for this browser tab only.</p>
        {refused && <p className="field-error">The gateway refused that token.</p>}
        <label htmlFor="api-token">Token</label>
        <input id="api-token" type="password" autoComplete="off" autoFocus value={token} onChange={(event) => setToken(event.target.value)} />
        <button type="submit" disabled={token.trim() === ''}>
          Use token
        </button>
      </form>
    </div>
  );
}
