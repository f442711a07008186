import { useCallback, useMemo, useState } from 'react';
import { ApiClient } from './api/api.client';
import { ApiContext, type ApiAccess } from './api/api.context';
import { tokenStore } from './api/token.store';
import { BoardPage } from './components/board-page';
import { ConnectionBanner } from './components/connection-banner';
import { MetricsHeader } from './components/metrics-header';
import { TaskPage } from './components/task-page';
import { TokenPrompt } from './components/token-prompt';
import { useBoard } from './live/use-board';
import { useRoute } from './live/use-route';

/** The page: the live board or one task, under the metrics; asks for the API token when the gateway wants one. */
export function App() {
  const [token, setToken] = useState(() => tokenStore.read());
  const [tokenWanted, setTokenWanted] = useState(false);
  const api = useMemo(() => new ApiClient(token), [token]);
  const requireToken = useCallback(() => setTokenWanted(true), []);
  const access = useMemo<ApiAccess>(() => ({ api, requireToken }), [api, requireToken]);
  const route = useRoute();
  const { state, log, dispatch } = useBoard(api, token, route.taskId, requireToken);

  const acceptToken = (next: string): void => {
    tokenStore.save(next);
    setToken(next);
    setTokenWanted(false);
  };

  return (
    <ApiContext.Provider value={access}>
      <MetricsHeader metrics={state.metrics} connection={state.connection} />
      <ConnectionBanner state={state} />
      {route.view === 'task' ? <TaskPage taskId={route.taskId} state={state} log={log} dispatch={dispatch} /> : <BoardPage state={state} dispatch={dispatch} />}
      {tokenWanted && <TokenPrompt refused={token !== null} onSubmit={acceptToken} />}
    </ApiContext.Provider>
  );
}
