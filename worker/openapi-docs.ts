import type { OpenAPIHono } from '@hono/zod-openapi';

type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;
type OpenApiConfig = Parameters<OpenAPIHono['getOpenAPI31Document']>[0];

/** The OpenAPI 3.1 document header, shared by /api/openapi.json and the lint script. */
export const OPENAPI_CONFIG = {
  openapi: '3.1.0',
  info: {
    title: 'Audit Logs API',
    version: '1.0.0',
    description:
      'Audit events of organizations and their Argo CD and Kargo instances: ingest, Akuity-compatible queries, CSV/NDJSON export, weekly signed archives. Errors are RFC 9457 application/problem+json.',
  },
  servers: [{ url: '/', description: 'This deployment' }],
} satisfies OpenApiConfig;

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

const escapeHtml = (text: string) =>
  text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

/**
 * A dependency-free HTML reference of the document: the dashboard's CSP allows no third-party
 * script, and the page must work offline. Full schemas are in /api/openapi.json.
 */
export function renderApiReference(document: OpenApiDocument): string {
  const sections = Object.entries(document.paths ?? {})
    .flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const operation = item[method];
        if (!operation) return [];
        const parameters = (operation.parameters ?? [])
          .flatMap((parameter) => ('name' in parameter ? [parameter] : []))
          .map(
            (parameter) =>
              `<li><code>${escapeHtml(parameter.name)}</code> <small>${escapeHtml(parameter.in)}${parameter.required ? ', required' : ''}</small> ${escapeHtml(parameter.description ?? '')}</li>`,
          )
          .join('');
        const responses = Object.entries(operation.responses ?? {})
          .map(
            ([status, response]) =>
              `<li><code>${escapeHtml(status)}</code> ${escapeHtml('description' in response ? String(response.description) : '')}</li>`,
          )
          .join('');
        return `<section><h2><span class="method ${escapeHtml(method)}">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h2>
<p>${escapeHtml(operation.summary ?? '')}</p>${parameters ? `<h3>Parameters</h3><ul>${parameters}</ul>` : ''}<h3>Responses</h3><ul>${responses}</ul></section>`;
      }),
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(OPENAPI_CONFIG.info.title)} reference</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem;color:#1f2937}
section{border:1px solid #e5e7eb;border-radius:8px;padding:0.5rem 1rem;margin:1rem 0}h2{font-size:1rem}
.method{display:inline-block;min-width:4.5rem;font-weight:700}.get{color:#2563eb}.post{color:#16a34a}.patch{color:#ca8a04}.delete{color:#dc2626}
code{font-family:ui-monospace,monospace}</style></head><body>
<h1>${escapeHtml(OPENAPI_CONFIG.info.title)}</h1><p>${escapeHtml(OPENAPI_CONFIG.info.description)}</p>
<p>Machine-readable document: <a href="/api/openapi.json">/api/openapi.json</a> (OpenAPI 3.1).</p>
${sections}</body></html>`;
}
