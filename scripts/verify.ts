/** `npm run verify`: the verifier's command line (scripts/verifier/cli.ts), the same code as the standalone
 * /downloads/audit-log-verify.mjs the service serves (scripts/build-verifier.ts); docs/verifying-archives.md. */
import './verifier/cli.ts';
