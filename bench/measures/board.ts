import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BenchSystem } from '../bench-system';
import { distribution, type Distribution } from '../stats';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** as test/e2e/board.e2e-spec.ts starts it */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const COLUMNS = ['queued', 'specification', 'implementation', 'qa', 'done', 'ended'] as const;

export interface BigBoardFigures {
  /** how many tasks the read model holds */
  tasks: number;
  /** GET /api/tasks?column=…&limit=50, every column in turn, the board's own reads */
  columnPage: Distribution;
  /** GET /api/tasks?q=…&limit=50: a title search over every task */
  search: Distribution;
  /** GET /api/tasks?column=done&offset=…: a page deep in the done column */
  deepPage: Distribution;
  /** GET /api/tasks/columns */
  counts: Distribution;
  /** milliseconds from navigating to the board until the done column shows its first card, each load in a fresh page */
  firstPaint: Distribution;
  /** cards the board rendered at that moment */
  cardsShown: number;
}

/** The board with every task the log holds: the tasks API and the page in Chromium. */
export async function measureBigBoard(system: BenchSystem, rounds: number, loads: number): Promise<BigBoardFigures> {
  const get = async (route: string): Promise<{ ms: number; body: unknown }> => {
    const started = performance.now();
    const response = await fetch(`${system.baseUrl}${route}`);
    const body: unknown = await response.json();
    if (!response.ok) throw new Error(`GET ${route}: ${response.status} ${JSON.stringify(body)}`);
    return { ms: performance.now() - started, body };
  };
  const counted = (await get('/api/tasks/columns')).body as { columns: Record<string, number> };
  const tasks = Object.values(counted.columns).reduce((sum, count) => sum + count, 0);
  const timings = { columnPage: [] as number[], search: [] as number[], deepPage: [] as number[], counts: [] as number[] };
  const deepest = Math.max(0, (counted.columns['done'] ?? 0) - 50);
  for (let round = 0; round < rounds; round += 1) {
    for (const column of COLUMNS) timings.columnPage.push((await get(`/api/tasks?column=${column}&limit=50`)).ms);
    timings.search.push((await get(`/api/tasks?q=${encodeURIComponent(`idle ${round % 10}`)}&limit=50`)).ms);
    timings.deepPage.push((await get(`/api/tasks?column=done&limit=50&offset=${Math.round((deepest * round) / Math.max(1, rounds - 1))}`)).ms);
    timings.counts.push((await get('/api/tasks/columns')).ms);
  }
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'bench-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1600, height: 1000 } });
  const paints: number[] = [];
  let cardsShown = 0;
  try {
    for (let load = 0; load < loads; load += 1) {
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(system.baseUrl);
      await page.locator('[data-testid="column-done"] [data-testid="task-card"]').first().waitFor({ state: 'visible', timeout: 60_000 });
      paints.push(performance.now() - started);
      cardsShown = await page.getByTestId('task-card').count();
      await page.close();
    }
  } finally {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
  return {
    tasks,
    columnPage: distribution(timings.columnPage),
    search: distribution(timings.search),
    deepPage: distribution(timings.deepPage),
    counts: distribution(timings.counts),
    firstPaint: distribution(paints),
    cardsShown,
  };
}
