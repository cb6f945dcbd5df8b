/**
 * `node scripts/verify.ts` as a user runs it: a folder of archives written to a temporary
 * directory, and the exit codes (0 verified, 1 a problem, 2 a usage error). Needs no browser.
 * The archives are written with fflate and node:crypto (support/archive-files.ts), independently of the Worker's writer.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256, weekArchive } from './support/archive-files.ts';

const ROOT = resolve(import.meta.dirname, '../..');

function verify(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['scripts/verify.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('npm run verify -- --dir', () => {
  let folder = '';
  let key = '';

  before(() => {
    folder = mkdtempSync(join(tmpdir(), 'verify-cli-'));
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    key = join(folder, 'archive-key.pem');
    writeFileSync(key, publicKey.export({ type: 'spki', format: 'pem' }));
    let previous: string | null = null;
    const weeks: [string, number[], string][] = [
      ['2026-11-02', [1, 2, 4], '2026-11-10T00:30:00.000Z'],
      ['2026-11-09', [3, 5, 6], '2026-11-17T00:30:00.000Z'],
    ];
    for (const [startDate, sequences, generatedAt] of weeks) {
      const { zip, manifest } = weekArchive(startDate, sequences, generatedAt, previous);
      writeFileSync(join(folder, `${startDate}.zip`), zip);
      writeFileSync(join(folder, `${startDate}.manifest.json`), manifest);
      writeFileSync(join(folder, `${startDate}.sig`), sign(null, manifest, privateKey));
      previous = sha256(manifest);
    }
  });

  after(() => rmSync(folder, { recursive: true, force: true }));

  it('exits 0 for a complete folder and prints the sequence ranges', () => {
    const run = verify('--dir', folder, '--public-key', key, '--complete-through', '6');
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /^ {2}sequences: {2}1–6 \(6 events/m);
    assert.match(run.stdout, /^ {2}gaps: {7}none$/m);
    assert.match(run.stdout, /VERIFIED: .* \(2 archives of 1 organization, every sequence 1–6 exactly once\)/);
  });

  it('exits 1 when --complete-through goes above the highest sequence', () => {
    const run = verify('--dir', folder, '--public-key', key, '--complete-through', '7');
    assert.equal(run.status, 1, run.stdout + run.stderr);
    assert.match(run.stdout, /1 sequence up to 7 missing: 7 \(7 is above the highest sequence seen, 6\)/);
    assert.match(run.stdout, /FAILED: 1 problem in /);
  });

  it('exits 2 on a usage error', () => {
    assert.equal(verify('--complete-through', '6').status, 2, '--complete-through without --dir');
    assert.equal(verify('--dir', folder, '--complete-through', 'all').status, 2, 'not a number');
    assert.equal(verify('--dir', join(folder, 'missing')).status, 2, 'no such folder');
  });

  it('still verifies one archive with the single-archive form', () => {
    const run = verify(join(folder, '2026-11-09.zip'), '--public-key', key);
    assert.equal(run.status, 0, run.stdout + run.stderr);
    assert.match(run.stdout, /VERIFIED: .*2026-11-09\.zip \(3 events, signature valid\)/);
  });
});
