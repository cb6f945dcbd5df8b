import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Adapter, Builder } from '@sveltejs/kit';

/**
 * SvelteKit always starts the client with an inline `<script>` in the generated page and has
 * no option to emit it as a file. The Worker will serve the SPA with
 * `Content-Security-Policy: script-src 'self'`, which blocks inline scripts, so this adapter
 * decorator moves every inline script of the fallback page into a content-hashed file under
 * `_app/immutable/` and references it with `<script src>`.
 *
 * The replacement stays a classic, parser-blocking script on purpose: Kit's bootstrap reads
 * `document.currentScript.parentElement` to find its mount point, which is only set for
 * classic scripts (not `type="module"`) executing where the tag is.
 */
export function withExternalBootScript(adapter: Adapter, options: { pages: string; fallback: string }): Adapter {
  return {
    ...adapter,
    async adapt(builder: Builder) {
      await adapter.adapt(builder);
      externalizeInlineScripts(builder, join(options.pages, options.fallback), options.pages);
    },
  };
}

// Matches `<script …>…</script>`; attributes are captured so `src` scripts can be left alone.
const SCRIPT_TAG = /<script\b([^>]*)>([\s\S]*?)<\/script>/gi;

function externalizeInlineScripts(builder: Builder, htmlFile: string, pages: string): void {
  const { appDir, paths } = builder.config;
  const html = readFileSync(htmlFile, 'utf8');
  let moved = 0;

  const rewritten = html.replace(SCRIPT_TAG, (tag, attributes: string, body: string) => {
    if (/\bsrc\s*=/i.test(attributes) || body.trim() === '') return tag;

    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const relativePath = `${appDir}/immutable/boot.${hash}.js`;
    mkdirSync(join(pages, appDir, 'immutable'), { recursive: true });
    writeFileSync(join(pages, relativePath), `${body.trim()}\n`);
    moved += 1;

    return `<script${attributes} src="${paths.base}/${relativePath}"></script>`;
  });

  // Fail the build rather than ship a page the production CSP would silently break.
  for (const match of rewritten.matchAll(SCRIPT_TAG)) {
    const [, attributes = '', body = ''] = match;
    if (!/\bsrc\s*=/i.test(attributes) && body.trim() !== '') {
      throw new Error(`${htmlFile} still contains an inline <script>`);
    }
  }

  writeFileSync(htmlFile, rewritten);
  builder.log.minor(`Moved ${moved} inline script(s) out of ${htmlFile}`);
}
