#!/usr/bin/env node
// Keeps `npm ci` working when the registry lacks some platforms' builds of a package at
// the locked version (a partial mirror: e.g. @swc/core's darwin and win32 binaries).
// npm install then leaves those optional dependencies out of package-lock.json, and
// `npm ci` refuses the lock ("Missing: <pkg>@ from lock file"). This adds each missing
// one as the optional, platform-bound entry npm would have written (version from its
// parent, os/cpu/libc from its name), so npm ci skips it on other platforms as usual.
// npm keeps such entries on later installs. Run it after `npm install` if npm ci fails so.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lockPath = path.join(root, 'package-lock.json');
const OS = ['darwin', 'linux', 'win32', 'freebsd', 'android', 'openharmony', 'sunos', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'ppc64', 's390x', 'riscv64', 'loong64'];

const check = spawnSync('npm', ['ci', '--dry-run', '--no-audit', '--no-fund'], { cwd: root, encoding: 'utf8' });
const missing = [...`${check.stdout}\n${check.stderr}`.matchAll(/Missing: (\S+?)@\S* from lock file/g)].map((match) => match[1]);
if (missing.length === 0) {
  console.log(check.status === 0 ? 'lockfile-platforms: npm ci accepts the lock' : `lockfile-platforms: npm ci fails for another reason:\n${check.stderr}`);
  process.exit(check.status ?? 1);
}

const lock = JSON.parse(readFileSync(lockPath, 'utf8'));
for (const name of missing) {
  const parent = Object.values(lock.packages).find((entry) => entry.optionalDependencies?.[name]);
  const tokens = name.split('/').pop().split('-');
  const os = tokens.find((token) => OS.includes(token));
  const cpu = tokens.find((token) => CPU.includes(token));
  if (!parent || !os || !cpu) {
    console.error(`lockfile-platforms: ${name} is not an optional platform package this script understands; fix the lock by hand`);
    process.exit(1);
  }
  const entry = { version: parent.optionalDependencies[name], cpu: [cpu] };
  if (parent.dev) entry.dev = true;
  if (tokens.some((token) => token.startsWith('gnu'))) entry.libc = ['glibc'];
  if (tokens.some((token) => token.startsWith('musl'))) entry.libc = ['musl'];
  entry.optional = true;
  entry.os = [os];
  lock.packages[`node_modules/${name}`] = entry;
  console.log(`lockfile-platforms: added ${name}@${entry.version} (${os}/${cpu})`);
}
writeFileSync(lockPath, `${JSON.stringify(lock, null, 2)}\n`);
