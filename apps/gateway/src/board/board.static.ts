import { existsSync } from 'node:fs';
import path from 'node:path';
import { Logger } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';

/**
 * Where `npm run build` puts the board page (vite, from apps/gateway/board): dist/board,
 * whether the gateway runs from dist/apps/gateway/src or from its sources (the tests).
 */
function boardDirectory(): string | null {
  const candidates = [path.resolve(__dirname, '../../../../board'), path.resolve(__dirname, '../../../../dist/board')];
  return candidates.find((dir) => existsSync(path.join(dir, 'index.html'))) ?? null;
}

/**
 * Serves the board at `/`: its files only, so `/api`, `/health`, `/metrics` and
 * `/socket.io` go on to their handlers. Built assets have hashed names and are cached for
 * good; index.html is revalidated so a new build is picked up. Without a build, `/` says so.
 */
export function serveBoard(app: NestExpressApplication): void {
  const dir = boardDirectory();
  if (dir === null) {
    new Logger('Board').warn('The board page is not built (no dist/board/index.html): `npm run build` builds it');
    app.use('/', (request: Request, response: Response, next: NextFunction) => {
      if (request.method !== 'GET' || request.path !== '/') return next();
      response.status(503).type('text/plain').send('The board page is not built: run `npm run build` and restart the gateway.\n');
    });
    return;
  }
  app.useStaticAssets(dir, {
    index: 'index.html',
    redirect: false,
    setHeaders: (response, file) => {
      const immutable = file.startsWith(path.join(dir, 'assets') + path.sep);
      response.setHeader('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
