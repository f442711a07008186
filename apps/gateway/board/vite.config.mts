import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const boardDir = fileURLToPath(new URL('.', import.meta.url));
/** the gateway a `vite` dev server forwards the API and the socket to */
const gateway = process.env['BOARD_DEV_GATEWAY'] ?? 'http://127.0.0.1:3000';

/**
 * The board page: built into dist/board (served by the gateway at `/`) by scripts/build.mjs;
 * its unit tests run with vitest from scripts/test.mjs.
 */
export default defineConfig({
  root: boardDir,
  base: './',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../../dist/board', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1024,
  },
  server: {
    proxy: {
      '/api': gateway,
      '/health': gateway,
      '/socket.io': { target: gateway, ws: true },
    },
  },
  test: {
    root: boardDir,
    include: ['src/**/*.test.ts', 'src/**/*.test.tsx'],
    environment: 'node',
  },
});
