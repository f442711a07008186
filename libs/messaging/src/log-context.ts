import type { OrchMessage } from '@app/contracts';
import type { LogContext } from '@app/config';

/** The ids a handler's log lines carry: the message's, its chain's, and the task and stage it is about. */
export function logContextOf(message: OrchMessage): LogContext {
  const data: object = message.data;
  const context: LogContext = { messageId: message.id, messageType: message.type, correlationId: message.correlationId };
  if ('taskId' in data && typeof data.taskId === 'string') context.taskId = data.taskId;
  if ('stageId' in data && typeof data.stageId === 'string') context.stageId = data.stageId;
  return context;
}
