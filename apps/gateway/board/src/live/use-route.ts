import { useEffect, useState } from 'react';

/** What the page shows: the board, or one task (`#/tasks/<id>`), so a link or a reload keeps it. */
export type Route = { view: 'board'; taskId: null } | { view: 'task'; taskId: string };

export function parseRoute(hash: string): Route {
  const match = /^#\/tasks\/([0-9a-f-]{36})$/i.exec(hash);
  return match?.[1] ? { view: 'task', taskId: match[1] } : { view: 'board', taskId: null };
}

export const taskHref = (taskId: string): string => `#/tasks/${taskId}`;
export const BOARD_HREF = '#/';

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const follow = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  return route;
}
