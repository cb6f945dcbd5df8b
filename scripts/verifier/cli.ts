/**
 * The audit-log verifier's command line: `npm run verify` runs it from the repository (Node 22,
 * type stripping, through scripts/verify.ts), and scripts/build-verifier.ts bundles it into the
 * standalone `audit-log-verify.mjs` the service serves at /downloads/ (Node ≥ 18, no
 * dependencies). Same code, same arguments, same exit codes (docs/verifying-archives.md):
 *
 *   <zip> [--manifest <file>]... [--signature <file>] [--public-key <pem>]
 *   --dir <folder> [--complete-through <N>] [--public-key <pem> [--checkpoints <checkpoints.json>]]
 *   --stream <events.ndjson> --checkpoints <checkpoints.json> --public-key <pem>
 *
 * Exit codes: 0 verified, 1 a problem was found, 2 usage error (bad arguments, unreadable file).
 */
import { parseArgs } from 'node:util';
import { completeThrough, readInput, UsageError, verifyFolder, verifyOneZip } from './archive-commands.ts';
import { verifyStreamFile } from './stream-command.ts';

/** Set by scripts/build-verifier.ts in the bundle; run from the repository it is not defined. */
declare const AUDIT_LOG_VERIFY_VERSION: string | undefined;
const VERSION = typeof AUDIT_LOG_VERIFY_VERSION === 'string' ? AUDIT_LOG_VERIFY_VERSION : 'repository checkout';

const USAGE = `Usage: audit-log-verify <zip> [--manifest <file>]... [--signature <file>] [--public-key <file.pem>]
       audit-log-verify --dir <folder> [--complete-through <N>] [--public-key <file.pem> [--checkpoints <checkpoints.json>]]
       audit-log-verify --stream <events.ndjson> --checkpoints <checkpoints.json> --public-key <file.pem>
(node audit-log-verify.mjs …, or npm run verify -- … in the service's repository)

Verifies a weekly audit-log archive: the ZIP and its seven day files, the manifest (archive and
per-file sha256 and record counts), the manifest's Ed25519 signature, and, with several
--manifest, their hash chain.

With --dir, verifies every archive in the folder (<stem>.zip with <stem>.manifest.json and
<stem>.sig beside it), checks each organization's manifests as one hash chain, and prints the
sequence ranges the archives cover and the gaps. --complete-through N fails unless every
sequence 1..N appears exactly once. With --checkpoints (and --public-key), the chain recomputed
from the archives' events must also equal every signed checkpoint it reaches.

With --stream, verifies a copy of the log (stream pages or an NDJSON export, one event a line)
against the signed checkpoints (GET …/audit-log-checkpoints saved as is): every sequence once,
every content hash recomputed, the hash chain equal to every checkpoint it covers.

Exit code 0 when everything checked is valid, 1 on any problem (naming the first sequence
affected), 2 on a usage error. --version prints the verifier's version.`;

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        manifest: { type: 'string', multiple: true },
        signature: { type: 'string' },
        'public-key': { type: 'string' },
        dir: { type: 'string' },
        'complete-through': { type: 'string' },
        stream: { type: 'string' },
        checkpoints: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandLine(argv);
  if (values.help || values.version) {
    console.log(values.help ? USAGE : `audit-log-verify ${VERSION}`);
    return 0;
  }
  const publicKeyPath = values['public-key'];
  const readPublicKey = () => (publicKeyPath === undefined ? undefined : new TextDecoder().decode(readInput(publicKeyPath, 'public key')));
  if (values.stream !== undefined) {
    if (positionals.length > 0 || values.dir !== undefined || values.manifest !== undefined || values.signature !== undefined)
      throw new UsageError('--stream takes only --checkpoints and --public-key');
    if (values['complete-through'] !== undefined) throw new UsageError('--complete-through needs --dir');
    return verifyStreamFile({ stream: values.stream, checkpoints: values.checkpoints, publicKey: publicKeyPath });
  }
  if (values.dir !== undefined) {
    if (positionals.length > 0) throw new UsageError(`--dir takes no <zip>, got ${positionals.join(' ')}`);
    if (values.manifest !== undefined || values.signature !== undefined)
      throw new UsageError('--manifest and --signature are for one <zip>; --dir finds them beside each ZIP');
    if (values.checkpoints !== undefined && publicKeyPath === undefined) throw new UsageError('--checkpoints needs --public-key');
    const checkpoints =
      values.checkpoints === undefined ? undefined : new TextDecoder().decode(readInput(values.checkpoints, 'checkpoints'));
    return verifyFolder(values.dir, completeThrough(values['complete-through']), publicKeyPath, readPublicKey(), checkpoints);
  }
  if (values.checkpoints !== undefined) throw new UsageError('--checkpoints needs --stream or --dir');
  if (values['complete-through'] !== undefined) throw new UsageError('--complete-through needs --dir');
  if (positionals.length !== 1)
    throw new UsageError(
      positionals.length === 0 ? 'missing <zip>' : `expected one <zip>, got ${positionals.length}: ${positionals.join(' ')}`,
    );
  return verifyOneZip(positionals[0] ?? '', values.manifest, values.signature, publicKeyPath, readPublicKey);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`verify: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`verify: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  }
}
