import type { Plugin } from 'vite';
import { buildVerifier } from '../../scripts/build-verifier.ts';

/**
 * Every dashboard build (`npm run build:web`, `npm start`, `npm test`, `npm run deploy`) first
 * writes the standalone verifier into static/downloads/ (scripts/build-verifier.ts), so SvelteKit
 * copies it into web/build and the Worker's static assets serve it at
 * /downloads/audit-log-verify.mjs with its .sha256 beside it. Once per build, not per Vite pass.
 */
export function verifierDownload(): Plugin {
  let built: Promise<unknown> | null = null;
  return {
    name: 'audit-log-verifier-download',
    apply: 'build',
    buildStart() {
      built ??= buildVerifier();
      return built.then(() => undefined);
    },
  };
}
