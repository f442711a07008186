#!/usr/bin/env node
// Runs the pending migrations against DATABASE_URL with the compiled code in dist/,
// building first when dist/ is missing or older than the persistence lib or a migration.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const compiled = path.join(root, 'dist/libs/persistence/src/migrate.js');
const sources = [path.join(root, 'libs/persistence'), path.join(root, 'migrations')];

const databaseUrl = process.env.DATABASE_URL || DEFAULT_DATABASE_URL;
if (!isPostgresUrl(databaseUrl)) {
  fail('DATABASE_URL must be a postgres:// or postgresql:// URL with a host');
}

if (isStale()) {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts/build.mjs')], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) fail('the build failed; fix the errors above and run again');
}

const { DatabaseUnreachable, redactPassword, runMigrations } = createRequire(import.meta.url)(compiled);
try {
  const ran = await runMigrations(databaseUrl);
  const target = redactPassword(databaseUrl);
  if (ran.length === 0) console.log(`migrate: schema up to date (${target})`);
  for (const name of ran) console.log(`migrate: ran ${name} (${target})`);
} catch (error) {
  if (error instanceof DatabaseUnreachable) fail(`DATABASE_URL: ${error.message}`);
  fail(`a migration failed, nothing was applied: ${error instanceof Error ? error.message : String(error)}`);
}

function isPostgresUrl(value) {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/**
 * true when the compiled migrate.js is missing or older than a non-test .ts source (an
 * image that ships only dist/ has no sources, and is never stale)
 */
function isStale() {
  let builtAt;
  try {
    builtAt = statSync(compiled).mtimeMs;
  } catch {
    return true;
  }
  return sources.some((dir) => existsSync(dir) && newestSource(dir) > builtAt);
}

function newestSource(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts') || /\.(int-)?spec\.ts$/.test(entry.name)) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

function fail(message) {
  console.error(`migrate: ${message}`);
  process.exit(1);
}
