/** What the API answered while a probe ran. */
export interface ProbeReport {
  requests: number;
  /** status code (or `error` for no answer at all) → how many */
  byStatus: Record<string, number>;
  /** the bodies of every 5xx answer that was not a 503 */
  serverErrors: string[];
  /** the bodies of the 503 answers, deduplicated */
  unavailableBodies: string[];
  /** whether every 503 named `dependency` (when one was given to `stop`) */
  allUnavailableNamed: boolean;
}

export interface ApiProbe {
  /** how many 503s so far */
  readonly unavailable: number;
  /** stops probing; `dependency` is what every 503 must name */
  stop(dependency?: string): Promise<ProbeReport>;
}

/**
 * Polls read routes of the API (one round every `intervalMs`) while a fault is injected,
 * recording every answer: the API must keep answering, a 503 naming the dependency that is
 * down, never a 500.
 */
export function probeApi(baseUrl: string, routes: readonly string[], intervalMs = 200, headers: Record<string, string> = {}): ApiProbe {
  const byStatus: Record<string, number> = {};
  const serverErrors: string[] = [];
  const unavailableBodies = new Set<string>();
  let requests = 0;
  let stopped = false;
  const ask = async (route: string) => {
    requests += 1;
    try {
      const response = await fetch(`${baseUrl}${route}`, { headers, signal: AbortSignal.timeout(5_000) });
      const body = await response.text();
      byStatus[response.status] = (byStatus[response.status] ?? 0) + 1;
      if (response.status === 503) unavailableBodies.add(body);
      else if (response.status >= 500) serverErrors.push(`${route} → ${response.status}: ${body}`);
    } catch (error) {
      byStatus.error = (byStatus.error ?? 0) + 1;
      serverErrors.push(`${route} → no answer: ${(error as Error).message}`);
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await Promise.all(routes.map(ask));
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    get unavailable() {
      return byStatus['503'] ?? 0;
    },
    async stop(dependency?: string) {
      stopped = true;
      await loop;
      const bodies = [...unavailableBodies];
      return {
        requests,
        byStatus,
        serverErrors,
        unavailableBodies: bodies,
        allUnavailableNamed: dependency === undefined || bodies.every((body) => body.toLowerCase().includes(dependency)),
      };
    },
  };
}
