import path from 'node:path';

/** The fake Claude Code CLI (see fixtures/README.md). */
export const FAKE_CLAUDE_PATH = path.resolve(__dirname, '../fixtures/fake-claude.mjs');

/**
 * What `node_modules/.bin/claude` is when npm installed @anthropic-ai/claude-code without
 * running its postinstall (`--ignore-scripts`): the package's placeholder, verbatim, which
 * says so on stderr and exits 1.
 */
export const CLAUDE_NATIVE_MISSING_PATH = path.resolve(__dirname, '../fixtures/claude-native-missing.sh');

/** The real Claude Code CLI, as the project installs it (the pinned @anthropic-ai/claude-code). */
export const REAL_CLAUDE_PATH = path.resolve(__dirname, '../../../node_modules/.bin/claude');
