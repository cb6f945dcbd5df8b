/**
 * `npm run build:verifier` (and every dashboard build, through web/build-tools/verifier-download.ts):
 * bundles the verifier's command line (scripts/verifier/cli.ts, which `npm run verify` runs) into
 * ONE file with esbuild, for Node ≥ 18 with no dependencies (fflate, @noble/hashes and
 * canonicalize inlined), readable rather than minified so an auditor can read what they run:
 *
 *   web/static/downloads/audit-log-verify.mjs         served at /downloads/audit-log-verify.mjs
 *   web/static/downloads/audit-log-verify.mjs.sha256  `sha256sum -c` line of it
 *
 * The output depends only on the sources and the version (package.json), so the same commit builds
 * the same bytes and the same SHA-256. web/static/downloads/ is generated, not committed.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(import.meta.dirname, '..');
export const VERIFIER_NAME = 'audit-log-verify.mjs';
const DEFAULT_OUT = join(ROOT, 'web/static/downloads');

function banner(version: string): string {
  return [
    `// audit-log-verify ${version}: the standalone verifier of the audit-log service's archives, checkpoints and`,
    '// stream or export copies. Node.js 18 or later, nothing to install. Built from scripts/verifier/cli.ts.',
    '//',
    '//   node audit-log-verify.mjs --dir <folder> --public-key archive-key.pem',
    '//   node audit-log-verify.mjs --stream <events.ndjson> --checkpoints <checkpoints.json> --public-key archive-key.pem',
    '//   node audit-log-verify.mjs --help',
    '//',
    '// Check this file against the SHA-256 served beside it: sha256sum -c audit-log-verify.mjs.sha256',
    '// The public key: GET /api/v1/audit-logs-archives/public-key. Documentation: docs/verifying-archives.md.',
    // Node 18 has WebCrypto only as node:crypto's `webcrypto`; Node ≥ 19 also has it as `globalThis.crypto`.
    "import { webcrypto as auditLogVerifyWebCrypto } from 'node:crypto';",
    'if (globalThis.crypto === undefined) globalThis.crypto = auditLogVerifyWebCrypto;',
    // canonicalize (RFC 8785) refuses lone surrogates with String.prototype.isWellFormed, new in Node 20.
    'if (String.prototype.isWellFormed === undefined)',
    '  String.prototype.isWellFormed = function isWellFormed() {',
    '    return !/[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]/.test(String(this));',
    '  };',
  ].join('\n');
}

export interface BuiltVerifier {
  path: string;
  sha256: string;
  version: string;
}

/** Writes the bundle and its `.sha256` into `outDir` (web/static/downloads by default). */
export async function buildVerifier(outDir = DEFAULT_OUT): Promise<BuiltVerifier> {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const result = await build({
    entryPoints: [join(ROOT, 'scripts/verifier/cli.ts')],
    bundle: true,
    write: false,
    // Neutral, not 'node': the packages' platform-neutral builds (fflate's Node build would bring
    // createRequire and worker threads); Node's own modules, always `node:…` here, stay imports.
    platform: 'neutral',
    external: ['node:*'],
    target: 'node18',
    format: 'esm',
    conditions: ['import', 'default'],
    mainFields: ['module', 'main'],
    banner: { js: banner(version) },
    define: { AUDIT_LOG_VERIFY_VERSION: JSON.stringify(version) },
    legalComments: 'eof',
    charset: 'utf8',
    logLevel: 'warning',
  });
  const bytes = result.outputFiles[0]?.contents;
  if (!bytes) throw new Error('esbuild wrote no file');
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, VERIFIER_NAME);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(path, bytes);
  writeFileSync(`${path}.sha256`, `${sha256}  ${VERIFIER_NAME}\n`);
  return { path, sha256, version };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const built = await buildVerifier(process.argv[2]);
  console.log(`${built.path}: audit-log-verify ${built.version}, sha256 ${built.sha256}`);
}
