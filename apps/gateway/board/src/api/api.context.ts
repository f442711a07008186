import { createContext, useContext } from 'react';
import { ApiClient } from './api.client';

export interface ApiAccess {
  api: ApiClient;
  /** the API refused the token (or wants one): ask the person for it */
  requireToken(): void;
}

export const ApiContext = createContext<ApiAccess>({ api: new ApiClient(null), requireToken: () => undefined });

export const useApi = (): ApiAccess => useContext(ApiContext);
