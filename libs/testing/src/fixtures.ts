import path from 'node:path';

/** The fake Claude Code CLI (see fixtures/README.md). */
export const FAKE_CLAUDE_PATH = path.resolve(__dirname, '../fixtures/fake-claude.mjs');

/** The fake CLI's own variables, which a runner under test hands its agent (AGENT_ENV_PASSTHROUGH). */
export const FAKE_CLAUDE_ENV = ['FAKE_CLAUDE_MODE', 'FAKE_CLAUDE_STATE_DIR', 'FAKE_CLAUDE_LOG'];

/**
 * What `node_modules/.bin/claude` is when npm installed @anthropic-ai/claude-code without
 * running its postinstall (`--ignore-scripts`): the package's placeholder, verbatim, which
 * says so on stderr and exits 1.
 */
export const CLAUDE_NATIVE_MISSING_PATH = path.resolve(__dirname, '../fixtures/claude-native-missing.sh');

/** The real Claude Code CLI, as the project installs it (the pinned @anthropic-ai/claude-code). */
export const REAL_CLAUDE_PATH = path.resolve(__dirname, '../../../node_modules/.bin/claude');

/** What a hostile agent (the fake CLI's `hostile` mode) must see of its attempts: all blocked but the rewrite of its own worktree's review prompt, which the runner undoes before QA. */
export const HOSTILE_ATTEMPTS_CONTAINED = [
  ['read-credentials', 'blocked'],
  ['nats-publish', 'blocked'],
  ['postgres-connect', 'blocked'],
  ['gateway-with-token', 'blocked'],
  ['write-outside-worktree', 'blocked'],
  ['rewrite-review-prompt', 'succeeded'],
  ['plant-git-hooks', 'blocked'],
] as const;

/** The real Codex CLI's native binary, as the project installs it (the pinned @openai/codex's optional linux-x64 package). */
export const REAL_CODEX_PATH = path.resolve(__dirname, '../../../node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex');
