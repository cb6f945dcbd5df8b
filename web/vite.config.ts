import { fileURLToPath } from 'node:url';
import adapter from '@sveltejs/adapter-static';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';
import { withExternalBootScript } from './build-tools/external-boot-script.ts';
import { verifierDownload } from './build-tools/verifier-download.ts';

// Absolute paths so `vite build` (in web/) and `vite build web` (from the repository root)
// behave the same: adapter-static resolves relative paths against process.cwd(), and Kit's
// route-analysis worker re-reads this config without the CLI's root argument.
const root = fileURLToPath(new URL('.', import.meta.url));
const pages = fileURLToPath(new URL('./build', import.meta.url));
const fallback = 'index.html';

export default defineConfig({
  root,
  plugins: [
    // Before SvelteKit copies static/: the verifier the archive dialog offers (/downloads/audit-log-verify.mjs).
    verifierDownload(),
    sveltekit({
      // SPA: the Worker serves index.html for every unknown path
      // (not_found_handling = "single-page-application"), so one fallback page is enough.
      adapter: withExternalBootScript(adapter({ pages, assets: pages, fallback }), {
        pages,
        fallback,
      }),
      // The fallback page is served at every depth (/orgs/x/argocd, …), so asset URLs
      // must be absolute rather than relative to the page.
      paths: { relative: false },
    }),
  ],
});
