import type { Principal } from '../auth/principal.ts';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { DatabaseSessions } from '../db/read-replication.ts';
import type { WorkerEnv } from '../env.ts';

/** The one Hono environment type shared by every router and middleware. */
export interface AppEnv {
  Bindings: WorkerEnv;
  Variables: {
    requestId: string;
    /** The main database (control data), in this request's D1 session. */
    db: Database;
    sessions: DatabaseSessions;
    /**
     * The shard database of any organization (its events, deliveries, archives), in this request's
     * session. Routes guarded by `orgAccess` use `c.var.shardDb`, the shard of the organization in the path.
     */
    shardDbFor: (organizationId: string) => Promise<Database>;
    /**
     * The request changed control data and queued the events recording it; set only through
     * `markChangesQueued` (middleware/change-events.ts), read by `deliverChangeEvents`.
     */
    changesQueued?: boolean;
    config: Config;
    /** null when the request carries no credential at all. */
    principal: Principal | null;
    /** Clock of this request (ms): one value for every row it writes. */
    now: number;
    /** The request carried a session cookie that no longer works. */
    sessionEnded?: boolean;
  };
}
