import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../config.ts';
import type { WorkerEnv } from '../env.ts';
import { runStream, streamRunDeps } from '../services/log-streams/index.ts';

/** A run that failed in our own machinery (a database error, not the destination) is tried again after this. */
const MACHINERY_RETRY_MS = 10_000;

const log = (line: Record<string, unknown>) => console.log(JSON.stringify({ job: 'log-stream', ...line }));

/**
 * One log stream's runner (docs/STREAMS.md, "Delivery"), addressed by the stream id. Its alarm is
 * the only place the stream's batches are sent: a Durable Object runs one alarm at a time, so
 * batches leave in sequence order, and each stream waits on its own destination only, so a
 * hanging one never slows another. All state that matters (the checkpoint, the stream's state)
 * is in D1; the object keeps only which stream it runs.
 */
export class LogStreamRunner extends DurableObject<WorkerEnv> {
  /**
   * Starts a run now unless one is due already (running, or a retry waiting). `retryNow` also cuts
   * a waiting retry short: the stream's configuration changed, or a test batch just got through.
   */
  async wake(streamId: string, retryNow = false): Promise<void> {
    if ((await this.ctx.storage.get<string>('streamId')) !== streamId) await this.ctx.storage.put('streamId', streamId);
    const pending = await this.ctx.storage.getAlarm();
    if (pending === null || (retryNow && pending > Date.now())) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const streamId = await this.ctx.storage.get<string>('streamId');
    if (!streamId) return;
    const started = Date.now();
    try {
      readConfig(this.env);
      const result = await runStream(streamRunDeps(this.env), streamId);
      // A deleted stream's object keeps nothing.
      if (result.state === 'gone') await this.ctx.storage.deleteAll();
      // A wake during the run set an alarm already (now): keep the earlier of the two.
      if (result.nextAt !== null) {
        const pending = await this.ctx.storage.getAlarm();
        if (pending === null || pending > result.nextAt) await this.ctx.storage.setAlarm(result.nextAt);
      }
      if (result.requests > 0 || result.state !== 'active') log({ streamId, ...result, ms: Date.now() - started });
    } catch (error) {
      console.error(JSON.stringify({ job: 'log-stream', streamId, error: error instanceof Error ? error.message : String(error) }));
      await this.ctx.storage.setAlarm(Date.now() + MACHINERY_RETRY_MS);
    }
  }
}
