#!/usr/bin/env node
// Compiles every app, lib and migration in one TypeScript program into dist/, rewriting
// the @app/* path aliases to relative paths with the Nest CLI's own tsconfig-paths hook
// (what `nest build` does per app), so one compile serves all four apps. With --bench it
// also compiles bench/ and libs/testing for `npm run bench`.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { tsconfigPathsBeforeHookFactory } from '@nestjs/cli/lib/compiler/hooks/tsconfig-paths.hook.js';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const project = process.argv.includes('--bench') ? 'tsconfig.bench.json' : 'tsconfig.build.json';
const configPath = path.join(root, project);

const read = ts.readConfigFile(configPath, ts.sys.readFile);
if (read.error) fail([read.error]);
const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, undefined, configPath);
if (parsed.errors.length > 0) fail(parsed.errors);

const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
const diagnostics = ts.getPreEmitDiagnostics(program);
if (diagnostics.length > 0) fail(diagnostics);
const emitted = program.emit(undefined, undefined, undefined, false, {
  before: [tsconfigPathsBeforeHookFactory(parsed.options)],
});
if (emitted.diagnostics.length > 0) fail(emitted.diagnostics);
console.log(`built ${parsed.fileNames.length} files into dist/`);

function fail(list) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };
  console.error(ts.formatDiagnosticsWithColorAndContext(list, host));
  process.exit(1);
}
