import type { OrchEvent, ProjectEventType } from '@app/contracts';
import type { ReadModelRows } from './read-model.rows';

type ProjectEvent = Extract<OrchEvent, { type: ProjectEventType }>;

/** `projects`: each event carries the whole project, so a create and an update write the same row. */
export async function projectProject(rows: ReadModelRows, event: ProjectEvent): Promise<void> {
  switch (event.type) {
    case 'ProjectCreated':
    case 'ProjectUpdated': {
      const { projectId, name, repositoryUrl, defaultBranch, setupCommand, checkCommand, credentialRef, forge, stageExecutors, approvalPolicy } = event.data;
      await rows.query(
        `INSERT INTO projects (id, name, repository_url, default_branch, setup_command, check_command, credential_ref, forge, created_at, updated_at, last_event_seq, stage_executors, approval_policy, max_concurrent, default_priority)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, repository_url = EXCLUDED.repository_url, default_branch = EXCLUDED.default_branch,
           setup_command = EXCLUDED.setup_command, check_command = EXCLUDED.check_command, credential_ref = EXCLUDED.credential_ref,
           forge = EXCLUDED.forge, stage_executors = EXCLUDED.stage_executors, updated_at = EXCLUDED.updated_at, last_event_seq = EXCLUDED.last_event_seq,
           approval_policy = EXCLUDED.approval_policy, max_concurrent = EXCLUDED.max_concurrent, default_priority = EXCLUDED.default_priority`,
        [projectId, name, repositoryUrl, defaultBranch, setupCommand, checkCommand, credentialRef, JSON.stringify(forge), rows.at, rows.seq, JSON.stringify(stageExecutors ?? {}), approvalPolicy ?? 'auto', event.data.maxConcurrent ?? null, event.data.defaultPriority ?? null],
      );
      return;
    }
    case 'ProjectDeleted':
      await rows.query(`DELETE FROM projects WHERE id = $1`, [event.data.projectId]);
      return;
    default: {
      const _exhaustive: never = event;
      return _exhaustive;
    }
  }
}
