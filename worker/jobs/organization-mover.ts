import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../config.ts';
import { database } from '../db/client.ts';
import { shardSet } from '../db/shards.ts';
import type { WorkerEnv } from '../env.ts';
import { type MoveDeps, type ObservePiece, runMoveStep } from '../services/shard-moves/index.ts';

/** One alarm runs pieces for at most this long, then hands over to the next alarm. */
const ALARM_BUDGET_MS = 5000;
/** A piece that failed in our own machinery (not the move's verification) is tried again after this. */
const MACHINERY_RETRY_MS = 5000;
/**
 * After each piece the mover rests this share of the piece's time (docs/OPERATIONS.md, "Moving an
 * organization"): a shard's D1 runs one query at a time, so without a rest the copy and verification
 * would queue ahead of every ingest batch, read and webhook of the source shard for the whole move.
 * Halved each time verification found ingest had added too much to switch (the move's `rounds`):
 * a mover that only ever took half could fall behind fast ingest for a long time.
 */
const REST_SHARE = 1;
const MIN_REST_MS = 10;

const sleep = (ms: number) => new Promise<void>((done) => setTimeout(done, ms));

/**
 * Runs an organization's moves (docs/OPERATIONS.md, "Moving an organization"), addressed by the
 * organization id, so one organization's moves never run twice at once. Its alarm runs the move's
 * pieces (services/shard-moves/step.ts) one after another, resting between them; all state is in
 * D1 (the move row and the rows copied), the object keeps only the move id it runs. Each alarm logs
 * one line: the pieces it ran by state (count, milliseconds) and how long it rested.
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
    const pieces: Record<string, { count: number; ms: number }> = {};
    let rested = 0;
    let lastMs = 0;
    let share = REST_SHARE;
    const observe: ObservePiece = (state, ms, rounds) => {
      share = REST_SHARE / 2 ** rounds;
      const sum = pieces[state] ?? { count: 0, ms: 0 };
      pieces[state] = sum;
      sum.count += 1;
      sum.ms += ms;
      lastMs = ms;
    };
    let next: number | null = started;
    try {
      readConfig(this.env);
      const deps = moveDeps(this.env);
      while (next !== null && next <= Date.now() && Date.now() - started < ALARM_BUDGET_MS) {
        next = await runMoveStep(deps, moveId, Date.now(), observe);
        const rest = Math.max(MIN_REST_MS, Math.round(lastMs * share));
        if (next !== null && next <= Date.now() + rest && rest > 0) {
          await sleep(rest);
          rested += rest;
        }
      }
    } catch (error) {
      console.error(JSON.stringify({ job: 'organization-move', moveId, error: error instanceof Error ? error.message : String(error) }));
      next = Date.now() + MACHINERY_RETRY_MS;
    }
    console.log(JSON.stringify({ job: 'organization-move', moveId, pieces, restedMs: rested, alarmMs: Date.now() - started }));
    if (next === null) await this.ctx.storage.deleteAll();
    else await this.ctx.storage.setAlarm(next);
  }
}

function moveDeps(env: WorkerEnv): MoveDeps {
  const shards = shardSet(env);
  return { control: database(env.DB), shard: (name) => database(shards.binding(name)) };
}
