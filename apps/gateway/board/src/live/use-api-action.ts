import { useState } from 'react';
import { ApiError } from '../api/api.error';
import { useApi } from '../api/api.context';
import type { ApiClient } from '../api/api.client';

export interface ApiAction {
  run(): void;
  busy: boolean;
  /** the API's reason when it refused the last try */
  error: string | null;
}

/** A command button's request: busy while it runs, the API's refusal kept to be shown. */
export function useApiAction(send: (api: ApiClient) => Promise<unknown>): ApiAction {
  const { api, requireToken } = useApi();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = (): void => {
    setBusy(true);
    setError(null);
    send(api).then(
      () => setBusy(false),
      (refusal: unknown) => {
        setBusy(false);
        if (refusal instanceof ApiError && refusal.status === 401) requireToken();
        setError(refusal instanceof Error ? refusal.message : String(refusal));
      },
    );
  };
  return { run, busy, error };
}
