import type { StageView } from '../api/api.types';
import type { BoardAction, LiveUpdate } from './board.actions';
import { initialBoardState, type BoardState, type BoardUpdateName } from './board.state';
import { applyPoolUpdate } from './pool.updates';
import { toSlotRecords, toStageRecord, toTaskCard, toWaitingRecords, type BoardSnapshot } from './snapshot.mapper';
import { applyStageUpdate } from './stage.updates';
import { moveBetweenColumns } from './column-totals';
import { applyTaskUpdate } from './task.updates';

const ALL_UPDATES: BoardUpdateName[] = ['stage-update', 'task-update', 'pool-update'];

export function boardReducer(state: BoardState, action: BoardAction): BoardState {
  switch (action.type) {
    case 'loaded': {
      // a task page's details read before the snapshot arrived (a page opened at #/tasks/<id>) stay
      const loaded = fromSnapshot(action.snapshot);
      return { ...loaded, connection: state.connection, tasks: keepLater(state.tasks, loaded.tasks), stages: keepLater(state.stages, loaded.stages) };
    }
    case 'load-failed':
      return { ...state, phase: state.phase === 'ready' ? 'ready' : 'failed', loadError: action.error };
    case 'connection':
      return { ...state, connection: action.status };
    case 'metrics':
      return { ...state, metrics: action.snapshot };
    case 'update':
      return applyLiveUpdate(state, action.update);
    case 'task-details':
      return applyDetails(state, action);
    case 'column-page':
      return applyColumnPage(state, action);
    case 'column-counts':
      return { ...state, columnTotals: action.counts.columns };
    default: {
      const unknownAction: never = action;
      return unknownAction;
    }
  }
}

/** `snapshot`'s records, with those of `earlier` it lacks or holds older versions of. */
function keepLater<T extends { lastSeq: number }>(earlier: Record<string, T>, snapshot: Record<string, T>): Record<string, T> {
  const kept = { ...snapshot };
  for (const [id, record] of Object.entries(earlier)) {
    const loaded = kept[id];
    if (!loaded || loaded.lastSeq < record.lastSeq) kept[id] = record;
  }
  return kept;
}

function fromSnapshot(snapshot: BoardSnapshot): BoardState {
  const byTask = new Map<string, StageView[]>();
  for (const stage of snapshot.stages) byTask.set(stage.taskId, [...(byTask.get(stage.taskId) ?? []), stage]);
  return {
    ...initialBoardState,
    phase: 'ready',
    // everything up to the snapshot's sequence is in it, whatever the socket still sends
    seq: snapshot.seq,
    appliedAtSeq: ALL_UPDATES,
    tasks: Object.fromEntries(snapshot.tasks.map((task) => [task.id, toTaskCard(task, byTask.get(task.id) ?? [])])),
    stages: Object.fromEntries(snapshot.stages.map((stage) => [stage.id, toStageRecord(stage)])),
    slots: toSlotRecords(snapshot.pool),
    waiting: toWaitingRecords(snapshot.pool),
    metrics: snapshot.metrics,
    columnTotals: snapshot.columnTotals,
  };
}

/**
 * Updates come in stream order, each event's updates under its sequence; one already
 * applied (a replay overlapping what arrived live) is skipped.
 */
function applyLiveUpdate(state: BoardState, update: LiveUpdate): BoardState {
  const { seq } = update.payload;
  if (seq < state.seq || (seq === state.seq && state.appliedAtSeq.includes(update.name))) return state;
  const advanced = { ...state, seq, appliedAtSeq: seq === state.seq ? [...state.appliedAtSeq, update.name] : [update.name] };
  switch (update.name) {
    case 'task-update': {
      const { taskId } = update.payload;
      const tasks = applyTaskUpdate(state.tasks, update.payload);
      // a card the board holds moves between columns; one it does not hold is read over REST
      const unknown = tasks[taskId] === undefined && state.tasks[taskId] === undefined && update.payload.status !== 'deleted';
      return {
        ...advanced,
        tasks,
        columnTotals: moveBetweenColumns(state.columnTotals, state.tasks[taskId], tasks[taskId]),
        unknownTaskIds: unknown && !state.unknownTaskIds.includes(taskId) ? [...state.unknownTaskIds, taskId] : state.unknownTaskIds,
      };
    }
    case 'stage-update':
      return { ...advanced, ...applyStageUpdate(state, update.payload) };
    case 'pool-update':
      return { ...advanced, ...applyPoolUpdate(state, update.payload) };
    default: {
      const unknownUpdate: never = update;
      return unknownUpdate;
    }
  }
}

/** A task read again: it replaces what the board has unless the board has seen later events. */
function applyDetails(state: BoardState, { task, stages }: Extract<BoardAction, { type: 'task-details' }>): BoardState {
  const existing = state.tasks[task.id];
  const tasks = existing && existing.lastSeq > task.lastEventSeq ? state.tasks : { ...state.tasks, [task.id]: toTaskCard(task, stages) };
  const nextStages = { ...state.stages };
  for (const stage of stages) {
    const known = nextStages[stage.id];
    if (!known || known.lastSeq <= stage.lastEventSeq) nextStages[stage.id] = toStageRecord(stage);
  }
  return { ...state, tasks, stages: nextStages, unknownTaskIds: state.unknownTaskIds.filter((taskId) => taskId !== task.id) };
}

/** Another page of a column: its cards join the board unless the board has seen later events of them. */
function applyColumnPage(state: BoardState, { column, page }: Extract<BoardAction, { type: 'column-page' }>): BoardState {
  const tasks = { ...state.tasks };
  for (const task of page.items) {
    const existing = tasks[task.id];
    if (!existing || existing.lastSeq <= task.lastEventSeq) tasks[task.id] = toTaskCard(task, []);
  }
  return { ...state, tasks, columnTotals: { ...state.columnTotals, [column]: page.total } };
}
