const KEY = 'orchestrator-board.api-token';

/** The API token the person typed, kept for the browser session (the tab), never longer. */
export const tokenStore = {
  read(): string | null {
    return sessionStorage.getItem(KEY);
  },
  save(token: string): void {
    sessionStorage.setItem(KEY, token);
  },
};
