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
/** milliseconds the column totals are read again after a card the board did not hold moved */
const COUNTS_DELAY_MS = 1_000;

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

  useUnknownTasks(api, state.unknownTaskIds, dispatch);

  useEffect(() => {
    dispatchLog({ type: 'watch', taskId: watchedTaskId });
    connectionRef.current?.watch(watchedTaskId);
  }, [watchedTaskId, api]);

  return { state, log, dispatch };
}

/**
 * A task the board holds no card for (beyond the pages it read) that an update names is
 * read over REST and joins its column; the totals are then read again, since where it came
 * from is not known here.
 */
function useUnknownTasks(api: ApiClient, unknownTaskIds: string[], dispatch: (action: BoardAction) => void): void {
  const reading = useRef(new Set<string>());
  const countsTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    for (const taskId of unknownTaskIds) {
      if (reading.current.has(taskId)) continue;
      reading.current.add(taskId);
      Promise.all([api.getTask(taskId), api.stages(taskId)])
        .then(([task, stages]) => dispatch({ type: 'task-details', task, stages }))
        .catch(() => undefined)
        .finally(() => reading.current.delete(taskId));
      countsTimer.current ??= setTimeout(() => {
        countsTimer.current = null;
        api.columnCounts().then((counts) => dispatch({ type: 'column-counts', counts }), () => undefined);
      }, COUNTS_DELAY_MS);
    }
  }, [api, unknownTaskIds, dispatch]);
  useEffect(
    () => () => {
      if (countsTimer.current !== null) clearTimeout(countsTimer.current);
    },
    [],
  );
}
