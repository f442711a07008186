/**
 * What a runner writes down about each agent it starts (one file per agent under
 * `WORKSPACES_DIR/agents/`, removed when the agent ends): enough for a runner starting later
 * to tell a leftover of a dead runner from a live one's agent, and a reused pid from the
 * agent's own.
 */
export interface AgentRecord {
  host: string;
  /** the agent's pid, which is also its process group's id (it leads its group) */
  agentPid: number;
  /** the agent's start time (clock ticks after boot, /proc/<pid>/stat field 22) */
  agentStartTime: string;
  runnerPid: number;
  runnerStartTime: string;
  taskId: string;
  stageId: string;
  attempt: number;
}

/** Start times as /proc shows them now; null for a pid that is not running. */
export interface ProcessFacts {
  agentStartTime: string | null;
  runnerStartTime: string | null;
}

/**
 * - `keep`: another host's, or the agent of a runner that still runs;
 * - `end`: its runner is gone and its group may still be there: the leader runs with the
 *   recorded start time, or has ended (a process group's id is not given to a new process
 *   while any member of the group lives, so the group is still the agent's);
 * - `forget`: its pid now belongs to another process, so the agent's group is gone.
 */
export type LeftoverAction = 'keep' | 'end' | 'forget';

export function leftoverAction(record: AgentRecord, facts: ProcessFacts, host: string): LeftoverAction {
  if (record.host !== host) return 'keep';
  if (facts.runnerStartTime !== null && facts.runnerStartTime === record.runnerStartTime) return 'keep';
  if (facts.agentStartTime === null || facts.agentStartTime === record.agentStartTime) return 'end';
  return 'forget';
}
