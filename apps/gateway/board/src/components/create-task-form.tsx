import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/api.error';
import { useApi } from '../api/api.context';
import type { CreateTaskRequest, ProjectView } from '../api/api.types';

type Field = Exclude<keyof CreateTaskRequest, 'projectId' | 'priority'>;

const EMPTY: Record<Field, string> = { title: '', description: '', repoPath: '', baseBranch: '', blockedBy: '' };
const PRIORITIES = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0];
const FIELDS: ReadonlyArray<{ field: Field; label: string; multiline?: boolean; hint?: string }> = [
  { field: 'title', label: 'Title' },
  { field: 'description', label: 'Description', multiline: true },
  { field: 'repoPath', label: 'Repository path', hint: 'without a project: a git repository on the runner; empty for a scratch directory' },
  { field: 'baseBranch', label: 'Base branch', hint: 'empty for the project’s default branch or the repository’s current branch' },
  { field: 'blockedBy', label: 'Blocked by', hint: 'task ids, comma-separated: it starts once they are done' },
];

/** Creates a task; what the API refuses is shown next to the field it names. */
export function CreateTaskForm() {
  const { api, requireToken } = useApi();
  const [values, setValues] = useState(EMPTY);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const [created, setCreated] = useState<string | null>(null);
  const [projects, setProjects] = useState<ProjectView[]>([]);
  const [projectId, setProjectId] = useState('');
  const [priority, setPriority] = useState('');

  useEffect(() => {
    api.projects().then(setProjects, () => setProjects([]));
  }, [api]);

  const submit = (event: FormEvent): void => {
    event.preventDefault();
    setBusy(true);
    setRefusal(null);
    setCreated(null);
    const request: CreateTaskRequest = {
      title: values.title,
      description: values.description,
      repoPath: values.repoPath.trim() === '' ? null : values.repoPath.trim(),
      baseBranch: values.baseBranch.trim() === '' ? null : values.baseBranch.trim(),
      projectId: projectId === '' ? null : projectId,
      priority: priority === '' ? null : Number(priority),
      blockedBy: values.blockedBy
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id !== ''),
    };
    api.createTask(request).then(
      (task) => {
        setBusy(false);
        setValues(EMPTY);
        setCreated(task.title);
      },
      (error: unknown) => {
        setBusy(false);
        const apiError = error instanceof ApiError ? error : new ApiError(0, String(error));
        if (apiError.status === 401) requireToken();
        setRefusal(apiError);
      },
    );
  };

  // a blocker's problem (`blockedBy[1]`) shows at the field
  const fieldOf = (name: string): string => name.replace(/\[\d+\]$/, '');
  const placed = ['projectId', 'priority', ...FIELDS.map(({ field }) => field)];
  const unplaced = refusal?.fields.filter((problem) => !placed.includes(fieldOf(problem.field))) ?? [];
  const projectProblem = refusal?.problemWith('projectId') ?? null;
  const priorityProblem = refusal?.problemWith('priority') ?? null;
  const problemOf = (field: Field): string | null => refusal?.fields.find((problem) => fieldOf(problem.field) === field)?.problem ?? null;
  return (
    <form className="panel create-form" onSubmit={submit} noValidate aria-labelledby="create-title">
      <h2 id="create-title">New task</h2>
      <div className="field">
        <label htmlFor="task-projectId">Project</label>
        <select id="task-projectId" value={projectId} onChange={(event) => setProjectId(event.target.value)} aria-invalid={projectProblem !== null}>
          <option value="">none (a local repository path or a scratch directory)</option>
          {projects.map((project) => (
            <option key={project.id} value={project.id}>
              {project.name} · {project.repositoryUrl}
            </option>
          ))}
        </select>
        <FieldError field="projectId" problem={projectProblem} />
      </div>
      <div className="field">
        <label htmlFor="task-priority">Priority</label>
        <select id="task-priority" value={priority} onChange={(event) => setPriority(event.target.value)} aria-invalid={priorityProblem !== null}>
          <option value="">the project’s default (else 5)</option>
          {PRIORITIES.map((value) => (
            <option key={value} value={String(value)}>
              {value}
              {value === 9 ? ' (highest)' : value === 0 ? ' (lowest)' : ''}
            </option>
          ))}
        </select>
        <FieldError field="priority" problem={priorityProblem} />
      </div>
      {FIELDS.map(({ field, label, multiline, hint }) => {
        const problem = problemOf(field);
        const id = `task-${field}`;
        const common = {
          id,
          value: values[field],
          'aria-invalid': problem !== null,
          'aria-describedby': problem === null ? undefined : `${id}-error`,
          onChange: (event: { target: { value: string } }) => setValues({ ...values, [field]: event.target.value }),
        };
        return (
          <div className="field" key={field}>
            <label htmlFor={id}>{label}</label>
            {multiline ? <textarea rows={4} {...common} /> : <input type="text" placeholder={hint} {...common} />}
            <FieldError field={field} problem={problem} id={`${id}-error`} />
          </div>
        );
      })}
      {refusal !== null && (unplaced.length > 0 || refusal.fields.length === 0) && (
        <p className="field-error" role="alert">
          {refusal.message}
        </p>
      )}
      {created !== null && <p className="muted">Created “{created}”.</p>}
      <button type="submit" disabled={busy}>
        {busy ? 'Creating…' : 'Create task'}
      </button>
    </form>
  );
}

/** What the API refused of one field, next to it (nothing while it refused nothing). */
function FieldError({ field, problem, id }: { field: string; problem: string | null; id?: string }) {
  if (problem === null) return null;
  return (
    <span className="field-error" id={id} data-testid={`error-${field}`}>
      {problem}
    </span>
  );
}
