import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth/public.decorator';
import { openApiDocument } from './openapi.document';

/** Where the Swagger UI assets (from swagger-ui-dist) are served. */
export const DOCS_ASSETS_PREFIX = '/api/docs/assets';

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Orchestrator Manager API</title>
  <link rel="stylesheet" href="${DOCS_ASSETS_PREFIX}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="${DOCS_ASSETS_PREFIX}/swagger-ui-bundle.js"></script>
  <script>window.ui = SwaggerUIBundle({ url: '/api/docs/openapi.json', dom_id: '#swagger-ui' });</script>
</body>
</html>
`;

/** The API's documentation: Swagger UI at /api/docs over the generated OpenAPI document. */
@Controller('api/docs')
@Public()
export class DocsController {
  private readonly document = openApiDocument();

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return PAGE;
  }

  @Get('openapi.json')
  openApi(): Record<string, unknown> {
    return this.document;
  }
}
