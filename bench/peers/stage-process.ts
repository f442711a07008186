import { execa } from 'execa';

/** The three stages every peer runs, in order, with the prompts our runner gives the agent. */
export const PEER_STAGES = ['specification', 'implementation', 'qa'] as const;
export type PeerStage = (typeof PEER_STAGES)[number];

const promptOf = (stage: PeerStage, context: string): string =>
  stage === 'specification' ? `/create-spec ${context}` : stage === 'qa' ? `/review ${context}` : context;

/**
 * One stage as a job-queue user would write it: spawn the agent stand-in with the stage's
 * prompt on stdin (execa, as our runner does), read its stream-json and keep the result's text, which
 * becomes the next stage's context. Throws when the agent fails, so the queue sees a failure.
 */
export async function runPeerStage(cliPath: string, stage: PeerStage, context: string): Promise<string> {
  const result = await execa(cliPath, ['-p', '--output-format', 'stream-json', '--verbose'], { input: promptOf(stage, context), reject: false });
  if (result.exitCode !== 0) throw new Error(`the agent exited ${String(result.exitCode)} in ${stage}`);
  for (const line of result.stdout.split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as { type?: string; is_error?: boolean; result?: string };
    if (parsed.type !== 'result') continue;
    if (parsed.is_error === true) throw new Error(`the agent reported an error in ${stage}`);
    return parsed.result ?? '';
  }
  throw new Error(`no result line from the agent in ${stage}`);
}

/** What a peer pipeline offers the measures: run one task to its end, then stop. */
export interface PeerPipeline {
  name: string;
  /** resolves when the task's QA stage has finished */
  runTask(title: string): Promise<void>;
  stop(): Promise<void>;
}
