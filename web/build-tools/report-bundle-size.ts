/**
 * Prints the dashboard's first-load JavaScript (gzip) and fails above the budget.
 *
 *   node web/build-tools/report-bundle-size.ts        (after `vite build web`)
 *
 * "First load" is every script build/index.html references: `<script src>` and each
 * `<link rel="modulepreload">` (Kit preloads the entry, the app and the root layout). That is what
 * any first visit downloads before it can render. For information it also prints the Audit Logs
 * route's total (the same plus the organization layout and the page, with their imports), read
 * from Vite's manifest.
 *
 * Sizes are gzip at level 9 of each file on its own, as a CDN would serve them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const BUDGET_BYTES = 60 * 1024;
const web = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const build = join(web, 'build');
const html = readFileSync(join(build, 'index.html'), 'utf8');

/** Absolute paths ("/_app/…") of the scripts the page loads or preloads, in page order. */
function referencedScripts(page: string): string[] {
  const paths = new Set<string>();
  for (const match of page.matchAll(/<link\b[^>]*>/gi)) {
    const tag = match[0];
    if (!/\brel=["']?modulepreload/i.test(tag)) continue;
    const href = /\bhref=["']([^"']+)["']/i.exec(tag)?.[1];
    if (href) paths.add(href);
  }
  for (const match of page.matchAll(/<script\b[^>]*\bsrc=["']([^"']+)["'][^>]*>/gi)) {
    if (match[1]) paths.add(match[1]);
  }
  return [...paths];
}

const gzipSize = (file: string): number => gzipSync(readFileSync(file), { level: 9 }).length;
const kb = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KB`;

const firstLoad = referencedScripts(html).map((path) => {
  const file = join(build, path.replace(/^\//, ''));
  if (!existsSync(file)) throw new Error(`index.html references ${path}, which is not in build/`);
  return { path, raw: readFileSync(file).length, gzip: gzipSize(file) };
});
const firstLoadTotal = firstLoad.reduce((sum, entry) => sum + entry.gzip, 0);

console.log('First-load JavaScript (build/index.html: scripts and modulepreloads)');
for (const entry of firstLoad) {
  console.log(`  ${kb(entry.gzip).padStart(9)} gzip  ${kb(entry.raw).padStart(9)} raw  ${entry.path}`);
}
console.log(`  ${kb(firstLoadTotal).padStart(9)} gzip total (budget ${kb(BUDGET_BYTES)})`);

// Informational: the Audit Logs tab on a first visit also needs its route's nodes.
interface ManifestChunk {
  file: string;
  imports?: string[];
  isEntry?: boolean;
}
const manifestFile = join(web, '.svelte-kit/output/client/.vite/manifest.json');
const nodesDir = join(web, '.svelte-kit/generated/build/client-optimized/nodes');
if (existsSync(manifestFile) && existsSync(nodesDir)) {
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as Record<string, ManifestChunk>;
  const routeFiles = ['src/routes/orgs/[orgId]/+layout', 'src/routes/orgs/[orgId]/audit-logs/+page'];
  const nodeKeys = readdirSync(nodesDir)
    .filter((name) => routeFiles.some((route) => readFileSync(join(nodesDir, name), 'utf8').includes(`${route}.`)))
    .map((name) => `.svelte-kit/generated/build/client-optimized/nodes/${name}`);
  const files = new Set(firstLoad.map((entry) => entry.path.replace(/^\//, '')));
  const visit = (key: string): void => {
    const chunk = manifest[key];
    if (!chunk || files.has(chunk.file)) return;
    files.add(chunk.file);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  nodeKeys.forEach(visit);
  const routeTotal = [...files].reduce((sum, file) => sum + gzipSize(join(build, file)), 0);
  console.log(`Audit Logs tab, first visit (first load + its route's chunks): ${kb(routeTotal)} gzip`);
}

if (firstLoadTotal > BUDGET_BYTES) {
  console.error(`First-load JavaScript is ${kb(firstLoadTotal)} gzip, over the ${kb(BUDGET_BYTES)} budget.`);
  process.exit(1);
}
