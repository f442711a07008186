import { z } from 'zod';
import { APPROVAL_POLICIES, CREDENTIAL_REF_PATTERN, DEFAULT_TASK_PRIORITY, stageExecutorsSchema, TASK_PRIORITY_MAX, TASK_PRIORITY_MIN } from '@app/contracts';
import type { ProjectEntity } from '@app/persistence';
import { isoTime, requestSchemas, requiredOr, responseSchemas } from './common.schemas';
import { branchName, lineText } from './text.rules';

/** `https://host/…` (`http://` too, for a server on a trusted network), `ssh://[user@]host/…`, `user@host:path` (scp-like) or `file:///path` */
const REPOSITORY_URL = /^(https?:\/\/[^\s/@]+(?::\d+)?\/\S+|ssh:\/\/([^\s/@]+@)?[^\s/@]+(?::\d+)?\/\S+|[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)\S+|file:\/\/\/\S+)$/;

/** A repository URL git can fetch: no credentials in it (they go by reference), no option-like start. */
export const repositoryUrl = lineText(z.string(requiredOr('must be a string')).min(1, { error: 'must not be empty', abort: true }).max(2048, 'must be at most 2048 characters'))
  .refine((url) => REPOSITORY_URL.test(url), 'must be an https://, http://, ssh://, git@host:path or file:/// URL')
  .refine((url) => !/^https?:\/\/[^/]*@/.test(url), 'must not hold credentials: give them as credentialRef');

const command = lineText(z.string('must be a string').trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'));

const forge = z.discriminatedUnion(
  'kind',
  [
    z
      .object({
        kind: z.literal('github'),
        apiBaseUrl: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).nullable().default(null).meta({ description: 'GitHub Enterprise REST root, e.g. https://ghe.example.com/api/v3; null for github.com' }),
      })
      .strict(),
    z.object({ kind: z.literal('none') }).strict(),
  ],
  { error: 'must be { kind: "github", apiBaseUrl? } or { kind: "none" }' },
);

const projectFields = {
  name: lineText(z.string(requiredOr('must be a string')).trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters')),
  repositoryUrl,
  /** a branch name by git check-ref-format's rules */
  defaultBranch: branchName.default('main'),
  setupCommand: command.nullable().default(null),
  checkCommand: command.nullable().default(null),
  credentialRef: z
    .string('must be a string')
    .regex(CREDENTIAL_REF_PATTERN, 'must be env:NAME (a variable on the runner hosts) or file:/path (a file on the runner hosts), never the secret itself')
    .nullable()
    .default(null),
  forge: forge.default({ kind: 'none' }),
  /** when the project's tasks wait for a person (a task may name its own) */
  approvalPolicy: z.enum(APPROVAL_POLICIES, `must be one of ${APPROVAL_POLICIES.join(', ')}`).default('auto'),
  maxConcurrent: z
    .number('must be a number')
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(10_000, 'must be at most 10000')
    .nullable()
    .default(null)
    .meta({ description: "orchestrations of the project's tasks running at once, beside ORCHESTRATOR_MAX_CONCURRENT; null for no limit of its own" }),
  defaultPriority: z
    .number('must be a number')
    .int('must be a whole number')
    .min(TASK_PRIORITY_MIN, `must be at least ${TASK_PRIORITY_MIN}`)
    .max(TASK_PRIORITY_MAX, `must be at most ${TASK_PRIORITY_MAX}`)
    .nullable()
    .default(null)
    .meta({ description: `the priority of its tasks that name none; null for ${DEFAULT_TASK_PRIORITY}` }),
  /** the executor and model of each stage of its tasks, e.g. `{ "qa": { "executor": "codex", "model": "gpt-5" } }`; a stage not named runs as the runner's STAGE_EXECUTORS say */
  stageExecutors: stageExecutorsSchema.default({}),
};

export const createProjectSchema = z.object(projectFields).strict().register(requestSchemas, { id: 'CreateProjectRequest' });
export type NewProject = z.infer<typeof createProjectSchema>;

/** An update names the whole project again (events carry it whole). */
export const updateProjectSchema = z.object(projectFields).strict().register(requestSchemas, { id: 'UpdateProjectRequest' });

export const projectViewSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    repositoryUrl: z.string(),
    defaultBranch: z.string(),
    setupCommand: z.string().nullable(),
    checkCommand: z.string().nullable(),
    credentialRef: z.string().nullable().meta({ description: 'env:NAME or file:/path on the runner hosts: the reference, never the secret' }),
    forge: z.discriminatedUnion('kind', [z.object({ kind: z.literal('github'), apiBaseUrl: z.string().nullable() }), z.object({ kind: z.literal('none') })]),
    approvalPolicy: z.enum(APPROVAL_POLICIES).meta({ description: "when the project's tasks wait for a person, unless a task names its own" }),
    maxConcurrent: z.number().int().nullable(),
    defaultPriority: z.number().int().nullable(),
    stageExecutors: stageExecutorsSchema,
    createdAt: isoTime,
    updatedAt: isoTime,
    lastEventSeq: z.number().int(),
  })
  .register(responseSchemas, { id: 'Project' });
export type ProjectView = z.infer<typeof projectViewSchema>;

export function toProjectView(project: ProjectEntity): ProjectView {
  return {
    id: project.id,
    name: project.name,
    repositoryUrl: project.repositoryUrl,
    defaultBranch: project.defaultBranch,
    setupCommand: project.setupCommand,
    checkCommand: project.checkCommand,
    credentialRef: project.credentialRef,
    forge: project.forge,
    approvalPolicy: project.approvalPolicy,
    maxConcurrent: project.maxConcurrent,
    defaultPriority: project.defaultPriority,
    stageExecutors: project.stageExecutors,
    createdAt: project.createdAt.toISOString(),
    updatedAt: project.updatedAt.toISOString(),
    lastEventSeq: project.lastEventSeq,
  };
}
