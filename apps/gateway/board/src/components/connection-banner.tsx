import type { BoardState } from '../state/board.state';

/** Says when the board may be behind: still loading, its last read failed, or the socket is away. */
export function ConnectionBanner({ state }: { state: Pick<BoardState, 'phase' | 'connection' | 'loadError'> }) {
  if (state.phase === 'failed') return <div className="banner banner-error" role="alert">Could not read the board: {state.loadError} — trying again…</div>;
  if (state.phase === 'ready' && state.connection === 'reconnecting') {
    return (
      <div className="banner banner-warning" role="status" data-testid="reconnecting">
        Connection to the gateway lost — reconnecting… The board catches up by itself.
      </div>
    );
  }
  return null;
}
