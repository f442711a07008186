import path from 'node:path';

/** The fake Claude Code CLI (see fixtures/README.md). */
export const FAKE_CLAUDE_PATH = path.resolve(__dirname, '../fixtures/fake-claude.mjs');
