import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import type { BenchOrg } from './dataset.ts';
import { figure, type Figure } from './measure.ts';
import type { BenchServer } from './server.ts';

/** First-load JS: every script and modulepreload that web/build/index.html references, gzipped. */
export function firstLoadJsGzipBytes(buildDir = 'web/build'): { raw: number; gzip: number; files: number } {
  const html = readFileSync(join(buildDir, 'index.html'), 'utf8');
  const sources = [...html.matchAll(/(?:src|href)="(\/[^"]+\.js)"/g)].map((match) => match[1] as string);
  let raw = 0;
  let gzip = 0;
  for (const source of new Set(sources)) {
    const bytes = readFileSync(join(buildDir, source));
    raw += bytes.byteLength;
    gzip += gzipSync(bytes, { level: 9 }).byteLength;
  }
  return { raw, gzip, files: new Set(sources).size };
}

export async function dashboardFigures(_server: BenchServer, _org: BenchOrg): Promise<Figure[]> {
  if (!existsSync('web/build/index.html')) return [];
  const js = firstLoadJsGzipBytes();
  return [
    figure({ section: 'Dashboard', name: `first-load JS (gzip, ${js.files} files)`, value: js.gzip / 1024, unit: 'KiB', baselineName: 'uncompressed', baseline: js.raw / 1024, goal: '≤ 60 KB gzip', pass: js.gzip <= 60_000 }),
  ];
}
