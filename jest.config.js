// Jest 30 on Node 20 cannot load ES modules, and every @nestjs/* 12 package (and execa,
// and a few of their dependencies) is ESM-only. So @swc/jest compiles those packages to
// CommonJS too: the list below is every installed package whose package.json says
// "type": "module", found by walking node_modules rather than written by hand.
const fs = require('node:fs');
const path = require('node:path');

function esmPackages(root) {
  const found = new Set();
  const visit = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      if (entry.name.startsWith('.')) continue;
      const full = path.join(dir, entry.name);
      if (entry.name.startsWith('@')) {
        visit(full);
        continue;
      }
      try {
        const manifest = JSON.parse(fs.readFileSync(path.join(full, 'package.json'), 'utf8'));
        if (manifest.type === 'module' || hasOnlyImportExports(manifest)) found.add(path.relative(root, full).split(path.sep).join('/'));
      } catch {
        // not a package
      }
      visit(path.join(full, 'node_modules'));
    }
  };
  visit(root);
  return [...found].map((name) => name.replace(/^.*node_modules\//, ''));
}

function hasOnlyImportExports(manifest) {
  const text = JSON.stringify(manifest.exports ?? {});
  return text.includes('"import"') && !text.includes('"require"') && !text.includes('"default"') && !manifest.main;
}

const escape = (name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const esm = esmPackages(path.join(__dirname, 'node_modules'));
const transformIgnorePatterns = [`/node_modules/(?!(${esm.map(escape).join('|')})/)`];

const swcTs = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};
const swcJs = {
  jsc: { parser: { syntax: 'ecmascript', importAttributes: true }, target: 'es2022', keepClassNames: true },
  module: { type: 'commonjs', ignoreDynamic: false },
};

const moduleNameMapper = {
  '^@app/(contracts|messaging|persistence|config|testing)$': '<rootDir>/libs/$1/src',
  '^@app/(contracts|messaging|persistence|config|testing)/(.*)$': '<rootDir>/libs/$1/src/$2',
  '^@test/support$': '<rootDir>/test/support',
};

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['@swc/jest', swcTs],
    '^.+\\.(m?js|cjs)$': ['@swc/jest', swcJs],
  },
  transformIgnorePatterns,
  moduleNameMapper,
  resolver: '<rootDir>/jest.resolver.js',
  moduleFileExtensions: ['ts', 'js', 'mjs', 'cjs', 'json'],
  modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/.data/'],
  // the board page's own tests run with vitest (scripts/test.mjs)
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/apps/gateway/board/'],
  setupFiles: ['<rootDir>/test/quiet-logs.setup.ts'],
};

// the tiers that talk to NATS share one nats-server with a user per app (test/nats.global-setup.ts)
const withNats = { globalSetup: '<rootDir>/test/nats.global-setup.ts', globalTeardown: '<rootDir>/test/nats.global-teardown.ts' };

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs}/**/*.spec.ts'] },
    // real servers answer slower on a loaded 2-core machine: the waits inside the tests carry their own limits.
    // A project's `testTimeout` is ignored by jest (it is read from the root config only): the tiers set theirs in setupFilesAfterEnv.
    { ...common, ...withNats, displayName: 'integration', setupFilesAfterEnv: ['<rootDir>/test/timeout-60s.setup.ts'], testMatch: ['<rootDir>/{apps,libs,migrations}/**/*.int-spec.ts'] },
    {
      ...common,
      ...withNats,
      displayName: 'e2e',
      setupFilesAfterEnv: ['<rootDir>/test/timeout-60s.setup.ts'],
      testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/e2e/faults/'],
    },
    // the fault tests restart servers and load the machine on purpose: npm test runs them one at a time
    { ...common, ...withNats, displayName: 'faults', setupFilesAfterEnv: ['<rootDir>/test/timeout-120s.setup.ts'], testMatch: ['<rootDir>/test/e2e/faults/**/*.e2e-spec.ts'] },
  ],
};
