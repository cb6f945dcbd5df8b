import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../config.ts';
import { database } from '../db/client.ts';
import { shardSet } from '../db/shards.ts';
import type { WorkerEnv } from '../env.ts';
import { type MoveDeps, runMoveStep } from '../services/shard-moves/index.ts';

/** One alarm runs pieces for at most this long, then hands over to the next alarm. */
const ALARM_BUDGET_MS = 5000;
/** A piece that failed in our own machinery (not the move's verification) is tried again after this. */
const MACHINERY_RETRY_MS = 5000;

/**
 * Runs an organization's moves (docs/OPERATIONS.md, "Moving an organization"), addressed by the
 * organization id, so one organization's moves never run twice at once. Its alarm runs the move's
 * pieces (services/shard-moves/step.ts) one after another; all state is in D1 (the move row and the
 * rows copied), the object keeps only the move id it runs.
 */
export class OrganizationMover extends DurableObject<WorkerEnv> {
  async start(moveId: string): Promise<void> {
    await this.ctx.storage.put('moveId', moveId);
    await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const moveId = await this.ctx.storage.get<string>('moveId');
    if (!moveId) return;
    const started = Date.now();
    let next: number | null = started;
    try {
      readConfig(this.env);
      const deps = moveDeps(this.env);
      while (next !== null && next <= Date.now() && Date.now() - started < ALARM_BUDGET_MS) {
        next = await runMoveStep(deps, moveId, Date.now());
      }
    } catch (error) {
      console.error(JSON.stringify({ job: 'organization-move', moveId, error: error instanceof Error ? error.message : String(error) }));
      next = Date.now() + MACHINERY_RETRY_MS;
    }
    if (next === null) await this.ctx.storage.deleteAll();
    else await this.ctx.storage.setAlarm(next);
  }
}

function moveDeps(env: WorkerEnv): MoveDeps {
  const shards = shardSet(env);
  return { control: database(env.DB), shard: (name) => database(shards.binding(name)) };
}
