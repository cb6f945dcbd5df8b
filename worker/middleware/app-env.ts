import type { Principal } from '../auth/principal';
import type { Config } from '../config';
import type { Database } from '../db/client';
import type { WorkerEnv } from '../env';

/** The one Hono environment type shared by every router and middleware. */
export interface AppEnv {
  Bindings: WorkerEnv;
  Variables: {
    requestId: string;
    db: Database;
    config: Config;
    /** null when the request carries no credential at all. */
    principal: Principal | null;
    /** Clock of this request (ms): one value for every row it writes. */
    now: number;
    /** The request carried a session cookie that no longer works. */
    sessionEnded?: boolean;
  };
}
