import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** Where the browser tests' screenshots go (git-ignored). */
export const SCREENSHOTS = path.resolve(__dirname, '../../artifacts/screenshots');
const BUILT_BOARD = path.resolve(__dirname, '../../dist/board/index.html');
const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
/** Debian's Chromium, headless, quiet on a machine without a network beyond loopback. */
const CHROMIUM_FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface TestBrowser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** Chromium with a profile of its own, once the board is built; the screenshots directory made. */
export async function launchTestBrowser(): Promise<TestBrowser> {
  if (!existsSync(BUILT_BOARD)) throw new Error(`the board is not built (${BUILT_BOARD}); run \`npm run build\``);
  await mkdir(SCREENSHOTS, { recursive: true });
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'board-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1600, height: 1000 } });
  return {
    context,
    async close() {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}
