import { spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, headers } from '@nats-io/transport-node';
import { COMMAND_SUBJECTS, isCommandType, validateMessage } from '@app/contracts';
import { eventually } from '@app/testing';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { useSuite } from '../support/suite';

const ROOT = path.resolve(__dirname, '../..');
const README = readFileSync(path.join(ROOT, 'README.md'), 'utf8');

/** What the README's `nats pub` commands would send, recorded by a stand-in `nats` on PATH. */
interface Publication {
  subject: string;
  headers: Record<string, string>;
  body: string;
}

const NATS_STAND_IN = `#!/usr/bin/env node
const args = process.argv.slice(2);
if (args.shift() !== 'pub') { console.error('only pub is recorded'); process.exit(2); }
const headers = {};
const positional = [];
while (args.length > 0) {
  const arg = args.shift();
  if (arg === '-H' || arg === '--header') { const [key, ...value] = args.shift().split(':'); headers[key] = value.join(':'); }
  else if (arg.startsWith('--header=')) { const [key, ...value] = arg.slice(9).split(':'); headers[key] = value.join(':'); }
  else positional.push(arg);
}
require('node:fs').appendFileSync(process.env.NATS_STAND_IN_OUT, JSON.stringify({ subject: positional[0], headers, body: positional[1] }) + '\\n');
`;

function bashBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```bash\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** Runs a README block with bash, as a user would, and returns what its `nats pub` commands sent. */
async function runBlock(block: string, env: Record<string, string>): Promise<Publication[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orch-nats-cli-'));
  try {
    await writeFile(path.join(dir, 'nats'), NATS_STAND_IN);
    await chmod(path.join(dir, 'nats'), 0o755);
    const out = path.join(dir, 'published.jsonl');
    await writeFile(out, '');
    const result = spawnSync('bash', ['-euo', 'pipefail', '-c', block], {
      encoding: 'utf8',
      env: { ...process.env, ...env, PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`, NATS_STAND_IN_OUT: out },
    });
    if (result.status !== 0) throw new Error(`the README block failed (${result.status}):\n${block}\n${result.stderr}`);
    return (await readFile(out, 'utf8'))
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Publication);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const publishing = bashBlocks(README).filter((block) => /^nats pub /m.test(block));
const TASK = '0199a0c4-7d2e-7c1a-9f00-00000000abcd';

describe("the README's nats CLI recipes", () => {
  it('given every `nats pub` block, when bash runs it, then each payload is a valid message for the contracts, on its command subject, its id the Nats-Msg-Id', async () => {
    expect(publishing.length).toBeGreaterThanOrEqual(2);
    const types: string[] = [];
    for (const block of publishing) {
      const published = await runBlock(block, { TASK });
      expect(published).toHaveLength(1);
      const [{ subject, headers: sent, body }] = published as [Publication];
      const validated = validateMessage(body);
      if (!validated.ok) throw new Error(`README payload is not valid: ${validated.reason}\n${body}`);
      const message = validated.message;
      types.push(message.type);
      expect(message.kind).toBe('command');
      if (!isCommandType(message.type)) throw new Error(`${message.type} is not a command`);
      expect(subject).toBe(`orch.cmd.${COMMAND_SUBJECTS[message.type]}`);
      expect(sent['Nats-Msg-Id']).toBe(message.id);
      expect(message.aggregateId).toBe(TASK);
      expect(message.data).toMatchObject({ taskId: TASK });
    }
    expect(types).toContain('StartOrchestration');
  });

  describe('given a running system on its own subject root and a created task', () => {
    let system: TestSystem;

    useSuite(async (keep) => {
      system = keep(await startTestSystem());
    });

    it("when the README's inject example is published with a plain NATS client, then the task runs to done", async () => {
      const created = await fetch(`${system.baseUrl}/api/tasks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: 'Injected', description: 'started over NATS' }),
      });
      const taskId = ((await created.json()) as { id: string }).id;
      const inject = publishing.find((block) => block.includes('start-orchestration'));
      if (!inject) throw new Error('the README has no start-orchestration example');
      const [publication] = (await runBlock(inject, { TASK: taskId })) as [Publication];

      // as the operator's user (the test run's NATS has a user per app, and one for the harness)
      const operator = system.messaging.credentials;
      const nc = await connect({ servers: system.messaging.natsUrl, ...(operator ? { user: operator.user, pass: operator.password } : {}) });
      try {
        const sent = headers();
        for (const [key, value] of Object.entries(publication.headers)) sent.set(key, value);
        nc.publish(publication.subject.replace(/^orch\./, `${system.messaging.subjectRoot}.`), publication.body, { headers: sent });
        await nc.flush();
      } finally {
        await nc.close();
      }

      const task = await eventually(async () => {
        const current = (await (await fetch(`${system.baseUrl}/api/tasks/${taskId}`)).json()) as { status: string };
        return current.status === 'done' ? current : undefined;
      }, 30_000, 'the injected task to be done');
      expect(task.status).toBe('done');
    }, 60_000);
  });
});

describe("the README's configuration table", () => {
  const documented = new Set([...README.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((match) => match[1]));

  function variablesReadBy(files: string[]): string[] {
    const names = new Set<string>();
    for (const file of files) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      if (/\.config\.ts$|\.env\.ts$/.test(file)) for (const match of text.matchAll(/^\s+([A-Z][A-Z0-9_]{2,}):\s/gm)) names.add(match[1]!);
      for (const match of text.matchAll(/process\.env\.([A-Z][A-Z0-9_]+)/g)) names.add(match[1]!);
    }
    return [...names].sort();
  }

  it('then every variable an app reads (its config schema, or process.env) has a row', () => {
    const sources = readdirSync(path.join(ROOT, 'apps'), { recursive: true, encoding: 'utf8' })
      .filter((file) => file.includes(`${path.sep}src${path.sep}`) && file.endsWith('.ts') && !/\.(int-)?spec\.ts$/.test(file))
      .map((file) => path.join('apps', file));
    const read = variablesReadBy([...sources, 'libs/config/src/messaging.env.ts', 'libs/config/src/logging/logging.env.ts']);
    expect(read.length).toBeGreaterThan(40);
    expect(read.filter((name) => !documented.has(name))).toEqual([]);
  });
});
