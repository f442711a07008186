import type { MessageData, MessageType } from '@app/contracts';

/** A message a decider wants written, before it is put in an envelope. */
export type Draft = {
  [T in MessageType]: {
    type: T;
    aggregateId: string;
    data: MessageData<T>;
    /** distinguishes two drafts of one type from one cause; part of the derived id */
    key?: string;
  };
}[MessageType];

export function draft<T extends MessageType>(type: T, aggregateId: string, data: MessageData<T>, key?: string): Draft {
  return { type, aggregateId, data, ...(key === undefined ? {} : { key }) } as Draft;
}
