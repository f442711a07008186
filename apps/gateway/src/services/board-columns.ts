/**
 * The board's columns, as a filter of GET /api/tasks: `queued` holds tasks not started and
 * queued ones, a stage's column the tasks running in it, `waiting` those waiting for a
 * person, `done` the finished, `ended` the failed and cancelled.
 */
export const BOARD_COLUMNS = ['queued', 'specification', 'implementation', 'qa', 'waiting', 'done', 'ended'] as const;
export type BoardColumn = (typeof BOARD_COLUMNS)[number];
