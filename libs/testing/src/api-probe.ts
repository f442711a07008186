/** What the API answered while a probe ran. */
export interface ProbeReport {
  requests: number;
  /** status code (or `error` for no answer at all) → how many */
  byStatus: Record<string, number>;
  /** `<METHOD> <route>` → status code → how many */
  byRoute: Record<string, Record<string, number>>;
  /** the bodies of every 5xx answer that was not a 503 */
  serverErrors: string[];
  /** the bodies of the 503 answers, deduplicated */
  unavailableBodies: string[];
  /** whether every 503 named `dependency` (when one was given to `stop`) */
  allUnavailableNamed: boolean;
  /** milliseconds the slowest answer took */
  slowestMs: number;
}

export interface ApiProbe {
  /** how many 503s so far */
  readonly unavailable: number;
  /** stops probing; `dependency` is what every 503 must name */
  stop(dependency?: string): Promise<ProbeReport>;
}

/** milliseconds an answer may take before the probe counts it as no answer at all */
const ANSWER_TIMEOUT_MS = 15_000;

/** A route to probe: a GET of a path, or a request with a method and a JSON body. */
export type ProbedRoute = string | { method: string; route: string; body: unknown };

/**
 * Polls routes of the API (each every `intervalMs` after its last answer) while a fault is injected,
 * recording every answer: the API must keep answering, a 503 naming the dependency that is
 * down, never a 500.
 */
export function probeApi(baseUrl: string, routes: readonly ProbedRoute[], intervalMs = 200, headers: Record<string, string> = {}): ApiProbe {
  const byStatus: Record<string, number> = {};
  const byRoute: Record<string, Record<string, number>> = {};
  const count = (key: string, status: string) => {
    byStatus[status] = (byStatus[status] ?? 0) + 1;
    const route = (byRoute[key] ??= {});
    route[status] = (route[status] ?? 0) + 1;
  };
  const serverErrors: string[] = [];
  const unavailableBodies = new Set<string>();
  let requests = 0;
  let slowestMs = 0;
  let stopped = false;
  const ask = async (probed: ProbedRoute) => {
    const { method, route, body } = typeof probed === 'string' ? { method: 'GET', route: probed, body: undefined } : probed;
    requests += 1;
    const sentAt = Date.now();
    try {
      const response = await fetch(`${baseUrl}${route}`, {
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
      });
      const text = await response.text();
      slowestMs = Math.max(slowestMs, Date.now() - sentAt);
      count(`${method} ${route}`, String(response.status));
      if (response.status === 503) unavailableBodies.add(text);
      else if (response.status >= 500) serverErrors.push(`${method} ${route} → ${response.status}: ${text}`);
    } catch (error) {
      count(`${method} ${route}`, 'error');
      serverErrors.push(`${method} ${route} → no answer: ${(error as Error).message}`);
    }
  };
  // one loop per route, so a route that waits on a timeout does not starve the others
  const loops = routes.map(async (route) => {
    while (!stopped) {
      await ask(route);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  });
  return {
    get unavailable() {
      return byStatus['503'] ?? 0;
    },
    async stop(dependency?: string) {
      stopped = true;
      await Promise.all(loops);
      const bodies = [...unavailableBodies];
      return {
        requests,
        byStatus,
        byRoute,
        serverErrors,
        unavailableBodies: bodies,
        slowestMs,
        allUnavailableNamed: dependency === undefined || bodies.every((body) => namesDependency(body, dependency)),
      };
    },
  };
}

/** Whether a 503 body says `dependency` is the one down: `"dependency":"nats"`, `"nats":"down"` (health) or "nats is unavailable". */
function namesDependency(body: string, dependency: string): boolean {
  return [`"dependency":"${dependency}"`, `"${dependency}":"down"`, `${dependency} is unavailable`].some((phrase) => body.toLowerCase().includes(phrase));
}
