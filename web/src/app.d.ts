// See https://svelte.dev/docs/kit/types#app.d.ts
import type { Instance } from '#lib/shell/api-types.ts';

declare global {
  namespace App {
    interface Error {
      /** Copied from the API's problem document so support can find the failing request. */
      requestId?: string;
    }

    interface PageData {
      /** Set on instance pages; the organization layout reads it to keep the right tab lit. */
      instance?: Instance;
    }
  }
}
