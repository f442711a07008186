import { AsyncLocalStorage } from 'node:async_hooks';

/** What a log line says about the work it belongs to; set around each message handler. */
export interface LogContext {
  taskId?: string;
  stageId?: string;
  correlationId?: string;
  /** the envelope id of the message being handled */
  messageId?: string;
  /** the type of the message being handled, e.g. `StartOrchestration` */
  messageType?: string;
}

const storage = new AsyncLocalStorage<LogContext>();

/** Runs `work` with `context` added to every log line written inside it (and its async continuations). */
export function withLogContext<T>(context: LogContext, work: () => T): T {
  return storage.run({ ...storage.getStore(), ...context }, work);
}

/** The context of the work in progress, or an empty one outside any. */
export function currentLogContext(): LogContext {
  return storage.getStore() ?? {};
}
