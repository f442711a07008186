// The gateway's socket contract, as types only: nothing of libs/contracts (zod, node:crypto)
// ends up in the page's bundle.
export type {
  BoardClientEvents,
  BoardServerEvents,
  LogBatch,
  MetricsSnapshot,
  PoolUpdate,
  ResyncRequired,
  StageUpdate,
  SubscribeReply,
  SubscribeRequest,
  TaskUpdate,
} from '../../../../libs/contracts/src/board-events';
export type {
  ApprovalDecision,
  ApprovalGate,
  ApprovalPolicy,
  DiffStat,
  QaVerdict,
  StageStatus,
  StageType,
  TaskStatus,
} from '../../../../libs/contracts/src/stage';
export type { ApiLimitKind } from '../../../../libs/contracts/src/messages';
export type { AgentLogEntry, ExecutorName } from '../../../../libs/contracts/src/executor';
