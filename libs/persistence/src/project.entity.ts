import { Check, Column, Entity, PrimaryColumn } from 'typeorm';
import { APPROVAL_POLICIES, type ApprovalPolicy, type ForgeSpec, type StageExecutors } from '@app/contracts';
import { sqlIn } from './check.expressions';
import { numberFromString } from './column.transformers';

/** A project: a repository by URL, its default branch, commands, credential reference and forge. */
@Entity({ name: 'projects' })
@Check('projects_approval_policy_check', sqlIn('approval_policy', APPROVAL_POLICIES))
@Check('projects_max_concurrent_positive', 'max_concurrent >= 1')
@Check('projects_default_priority_range', 'default_priority BETWEEN 0 AND 9')
export class ProjectEntity {
  @PrimaryColumn('uuid')
  id!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'repository_url', type: 'text' })
  repositoryUrl!: string;

  @Column({ name: 'default_branch', type: 'varchar', length: 255 })
  defaultBranch!: string;

  @Column({ name: 'setup_command', type: 'text', nullable: true })
  setupCommand!: string | null;

  @Column({ name: 'check_command', type: 'text', nullable: true })
  checkCommand!: string | null;

  /** `env:NAME` or `file:/path` on the runner hosts: the reference, never the secret */
  @Column({ name: 'credential_ref', type: 'text', nullable: true })
  credentialRef!: string | null;

  @Column({ type: 'jsonb' })
  forge!: ForgeSpec;

  /** when the project's tasks wait for a person, unless a task names its own */
  @Column({ name: 'approval_policy', type: 'varchar', length: 20, default: 'auto' })
  approvalPolicy!: ApprovalPolicy;
  /** the executor of each stage its tasks run (StageExecutors); `{}` names none */
  @Column({ name: 'stage_executors', type: 'jsonb', default: () => "'{}'" })
  stageExecutors!: StageExecutors;

  /** orchestrations of its tasks running at once, beside ORCHESTRATOR_MAX_CONCURRENT; null for no limit of its own */
  @Column({ name: 'max_concurrent', type: 'integer', nullable: true })
  maxConcurrent!: number | null;

  /** the priority its tasks get when they name none; null for the default (5) */
  @Column({ name: 'default_priority', type: 'smallint', nullable: true })
  defaultPriority!: number | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** stream sequence of the last event applied to this row */
  @Column({ name: 'last_event_seq', type: 'bigint', default: 0, transformer: numberFromString })
  lastEventSeq!: number;
}
