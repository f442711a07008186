import { useEffect, useReducer, useRef } from 'react';
import { ApiError } from '../api/api.error';
import type { ApiClient } from '../api/api.client';
import { logReducer, initialLogState, type LogState } from '../log/log.state';
import type { BoardAction } from '../state/board.actions';
import { boardReducer } from '../state/board.reducer';
import { initialBoardState, type BoardState } from '../state/board.state';
import { loadSnapshot } from '../state/snapshot.loader';
import { BoardConnection } from './board.connection';

/** milliseconds before reading the board again after a failed read */
const RELOAD_DELAY_MS = 2_000;

export interface Board {
  state: BoardState;
  log: LogState;
  dispatch: (action: BoardAction) => void;
}

/**
 * The live board: read over REST, then kept current by the socket from the snapshot's
 * sequence; read again when the gateway says too much was missed. `watchedTaskId` also
 * follows that task's agent log. `onUnauthorized` is called when the gateway wants a token.
 */
export function useBoard(api: ApiClient, token: string | null, watchedTaskId: string | null, onUnauthorized: () => void): Board {
  const [state, dispatch] = useReducer(boardReducer, initialBoardState);
  const [log, dispatchLog] = useReducer(logReducer, initialLogState);
  const connectionRef = useRef<BoardConnection | null>(null);
  const unauthorizedRef = useRef(onUnauthorized);
  unauthorizedRef.current = onUnauthorized;

  useEffect(() => {
    let stopped = false;
    let reloadTimer: ReturnType<typeof setTimeout> | null = null;
    const load = async (): Promise<void> => {
      try {
        const snapshot = await loadSnapshot(api);
        if (stopped) return;
        dispatch({ type: 'loaded', snapshot });
        connection.resume(snapshot.seq);
      } catch (error) {
        if (stopped) return;
        if (error instanceof ApiError && error.status === 401) return unauthorizedRef.current();
        dispatch({ type: 'load-failed', error: (error as Error).message });
        reloadTimer = setTimeout(() => void load(), RELOAD_DELAY_MS);
      }
    };
    const connection = new BoardConnection(token, {
      update: (update) => dispatch({ type: 'update', update }),
      log: (batch) => dispatchLog({ type: 'batch', batch }),
      metrics: (snapshot) => dispatch({ type: 'metrics', snapshot }),
      status: (status) => {
        dispatch({ type: 'connection', status });
        if (status === 'unauthorized') unauthorizedRef.current();
      },
      resync: () => void load(),
    });
    connectionRef.current = connection;
    void load();
    return () => {
      stopped = true;
      if (reloadTimer !== null) clearTimeout(reloadTimer);
      connection.close();
      connectionRef.current = null;
    };
  }, [api, token]);

  useEffect(() => {
    dispatchLog({ type: 'watch', taskId: watchedTaskId });
    connectionRef.current?.watch(watchedTaskId);
  }, [watchedTaskId, api]);

  return { state, log, dispatch };
}
