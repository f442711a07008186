#!/usr/bin/env node
// Compiles every app, lib and migration in one TypeScript program into dist/, rewriting
// the @app/* path aliases to relative paths with the Nest CLI's own tsconfig-paths hook
// (what `nest build` does per app), so one compile serves all four apps. With --bench it
// also compiles bench/ and libs/testing for `npm run bench` (whose big-board measure opens
// the board in Chromium). Then the board page
// (apps/gateway/board, React): type-checked with its own tsconfig and bundled by vite into
// dist/board, which the gateway serves at `/`, unless dist/board is newer than its sources
// (so tests that build the apps while a browser test reads dist/board leave it alone);
// `--board` builds only the board.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { tsconfigPathsBeforeHookFactory } from '@nestjs/cli/lib/compiler/hooks/tsconfig-paths.hook.js';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const project = process.argv.includes('--bench') ? 'tsconfig.bench.json' : 'tsconfig.build.json';
const configPath = path.join(root, project);

if (process.argv.includes('--board')) await buildBoard();
else {
  compileBackend();
  await buildBoard();
}

function compileBackend() {
  const parsed = parseConfig(configPath);
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) fail(diagnostics);
  const emitted = program.emit(undefined, undefined, undefined, false, {
    before: [tsconfigPathsBeforeHookFactory(parsed.options)],
  });
  if (emitted.diagnostics.length > 0) fail(emitted.diagnostics);
  console.log(`built ${parsed.fileNames.length} files into dist/`);
}

async function buildBoard() {
  const boardDir = path.join(root, 'apps/gateway/board');
  const built = path.join(root, 'dist/board/index.html');
  const sources = [boardDir, path.join(root, 'libs/contracts/src'), path.join(root, 'package-lock.json')];
  if (existsSync(built) && statSync(built).mtimeMs >= Math.max(...sources.map(newest))) return console.log('the board in dist/board/ is up to date');
  const parsed = parseConfig(path.join(boardDir, 'tsconfig.json'));
  const diagnostics = ts.getPreEmitDiagnostics(ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options }));
  if (diagnostics.length > 0) fail(diagnostics);
  const { build } = await import('vite');
  await build({ configFile: path.join(boardDir, 'vite.config.mts'), logLevel: 'warn' });
  console.log('built the board into dist/board/');
}

/** mtime of a file, or of the newest file under a directory */
function newest(file) {
  if (!statSync(file).isDirectory()) return statSync(file).mtimeMs;
  const entries = readdirSync(file, { withFileTypes: true, recursive: true }).filter((entry) => entry.isFile());
  return Math.max(0, ...entries.map((entry) => statSync(path.join(entry.parentPath, entry.name)).mtimeMs));
}

function parseConfig(file) {
  const read = ts.readConfigFile(file, ts.sys.readFile);
  if (read.error) fail([read.error]);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, path.dirname(file), undefined, file);
  if (parsed.errors.length > 0) fail(parsed.errors);
  return parsed;
}

function fail(list) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
  console.error(ts.formatDiagnosticsWithColorAndContext(list, host));
  process.exit(1);
}
