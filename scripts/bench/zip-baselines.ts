/** The baselines the archive section measures its ZIP builds against: Info-ZIP and fflate. */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Zip, ZipDeflate } from 'fflate';
import { DEFLATE_LEVEL, StreamingZip } from '../../worker/archive/zip-stream.ts';

/** Wall and CPU seconds of a shell command run in `cwd`. */
export function timeCommand(command: string, cwd: string): { wall: number; cpu: number } {
  // bash's `time` reports on its own stderr; the command's output is discarded inside the braces.
  const result = spawnSync('bash', ['-c', `TIMEFORMAT='%R %U %S'; { time ${command} >/dev/null 2>&1 ; } 2>&1`], { cwd, encoding: 'utf8' });
  const [wall, user, system] = (result.stdout.trim().split('\n').at(-1) ?? '').split(' ').map(Number);
  return { wall: wall ?? Number.NaN, cpu: (user ?? 0) + (system ?? 0) };
}

/** Info-ZIP's own check of every entry (CRC and inflate), as a second reader besides fflate. */
export function unzipTest(zip: Uint8Array, dir: string): string {
  writeFileSync(join(dir, 'built.zip'), zip);
  const tested = spawnSync('unzip', ['-tq', 'built.zip'], { cwd: dir, encoding: 'utf8' });
  if (tested.error) return 'unzip not installed';
  return tested.status === 0 ? 'no errors' : `FAILED (${tested.stdout.trim()})`;
}

/** Seconds the archive writer (node:zlib) and fflate's streaming ZipDeflate take over the same files. */
export async function compareDeflaters(files: Record<string, Uint8Array>): Promise<{ native: number; fflate: number }> {
  const chunked = async function* (bytes: Uint8Array) {
    for (let offset = 0; offset < bytes.byteLength; offset += 640 * 1024) yield bytes.subarray(offset, offset + 640 * 1024);
  };
  const start = performance.now();
  // The bytes are dropped: only the deflater's time is measured.
  const zip = new StreamingZip({
    write: () => {},
    drain: async () => {},
  });
  for (const [name, bytes] of Object.entries(files)) await zip.addEntry(name, new Date('2026-01-05T00:00:00Z'), chunked(bytes));
  await zip.finish();
  const native = (performance.now() - start) / 1000;
  const fflateStart = performance.now();
  await new Promise<void>((resolve, reject) => {
    const archive = new Zip((error, _chunk, final) => (error ? reject(error) : final && resolve()));
    for (const [name, bytes] of Object.entries(files)) {
      const entry = new ZipDeflate(name, { level: DEFLATE_LEVEL });
      archive.add(entry);
      for (let offset = 0; offset < bytes.byteLength; offset += 640 * 1024)
        entry.push(bytes.subarray(offset, offset + 640 * 1024), offset + 640 * 1024 >= bytes.byteLength);
    }
    archive.end();
  });
  return { native, fflate: (performance.now() - fflateStart) / 1000 };
}
