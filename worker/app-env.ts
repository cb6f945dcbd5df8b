import type { Principal } from './auth/principal';
import type { Database } from './db/client';
import type { WorkerEnv } from './env';

/** The one Hono environment type shared by every router. */
export interface AppEnv {
  Bindings: WorkerEnv;
  Variables: {
    requestId: string;
    db: Database;
    /** null when the request carries no credential at all. */
    principal: Principal | null;
    /** Clock of this request (ms): one value for every row it writes. */
    now: number;
    /** The request carried a session cookie that no longer works. */
    sessionEnded?: boolean;
  };
}
