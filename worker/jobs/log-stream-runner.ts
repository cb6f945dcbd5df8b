import { DurableObject } from 'cloudflare:workers';
import { readConfig } from '../config.ts';
import type { WorkerEnv } from '../env.ts';
import { type ArchiveExport, addPendingExport, exportNextArchive, runStream, streamRunDeps } from '../services/log-streams/index.ts';

/** A run that failed in our own machinery (a database error, not the destination) is tried again after this. */
const MACHINERY_RETRY_MS = 10_000;

const log = (line: Record<string, unknown>) => console.log(JSON.stringify({ job: 'log-stream', ...line }));
const failed = (job: string, streamId: string, error: unknown) =>
  console.error(JSON.stringify({ job, streamId, error: error instanceof Error ? error.message : String(error) }));

const earlier = (a: number | null, b: number | null): number | null => (a === null ? b : b === null ? a : Math.min(a, b));

/**
 * One log stream's runner (docs/STREAMS.md, "Delivery"), addressed by the stream id. Its alarm is
 * the only place the stream's batches are sent: a Durable Object runs one alarm at a time, so
 * batches leave in sequence order, and each stream waits on its own destination only, so a
 * hanging one never slows another. All state that matters for events (the checkpoint, the
 * stream's state) is in D1; the object keeps which stream it runs, whether its events were caught
 * up at the last run, and the archive copies it still owes (services/log-streams/archive-export.ts).
 */
export class LogStreamRunner extends DurableObject<WorkerEnv> {
  private async remember(streamId: string): Promise<void> {
    if ((await this.ctx.storage.get<string>('streamId')) !== streamId) await this.ctx.storage.put('streamId', streamId);
  }

  /**
   * Starts a run now unless one is due already (running, or a retry waiting). `retryNow` also cuts
   * a waiting retry short: the stream's configuration changed, or a test batch just got through.
   * A wait that is only an archive copy's backoff (the events were caught up) never holds new events back.
   */
  async wake(streamId: string, retryNow = false): Promise<void> {
    await this.remember(streamId);
    const pending = await this.ctx.storage.getAlarm();
    const eventsIdle = (await this.ctx.storage.get<boolean>('eventsIdle')) === true;
    if (pending === null || ((retryNow || eventsIdle) && pending > Date.now())) await this.ctx.storage.setAlarm(Date.now());
  }

  /** Keeps a new archive revision to copy (exportArchives) until it is copied, and starts a run. */
  async exportArchive(streamId: string, archive: ArchiveExport): Promise<void> {
    await addPendingExport(this.ctx.storage, archive);
    await this.wake(streamId);
  }

  /** Events first, then one archive copy: the batches never wait behind a large ZIP of an earlier run. */
  override async alarm(): Promise<void> {
    const streamId = await this.ctx.storage.get<string>('streamId');
    if (!streamId) return;
    const eventsAt = await this.deliverEvents(streamId);
    // A deleted stream's object keeps nothing, pending archive copies included.
    if (eventsAt === 'gone') {
      await this.ctx.storage.deleteAll();
      return;
    }
    const exportAt = await this.copyOneArchive(streamId);
    if ((await this.ctx.storage.get<boolean>('eventsIdle')) !== (eventsAt === null))
      await this.ctx.storage.put('eventsIdle', eventsAt === null);
    // A wake during the run set an alarm already (now): keep the earlier of the two.
    const next = earlier(eventsAt, exportAt);
    if (next !== null) {
      const pending = await this.ctx.storage.getAlarm();
      if (pending === null || pending > next) await this.ctx.storage.setAlarm(next);
    }
  }

  /** When to deliver again (null: when woken), or 'gone': the stream was deleted. */
  private async deliverEvents(streamId: string): Promise<number | null | 'gone'> {
    const started = Date.now();
    try {
      readConfig(this.env);
      const result = await runStream(streamRunDeps(this.env), streamId);
      if (result.requests > 0 || result.state !== 'active') log({ streamId, ...result, ms: Date.now() - started });
      return result.state === 'gone' ? 'gone' : result.nextAt;
    } catch (error) {
      failed('log-stream', streamId, error);
      return Date.now() + MACHINERY_RETRY_MS;
    }
  }

  private async copyOneArchive(streamId: string): Promise<number | null> {
    try {
      return await exportNextArchive({ ...streamRunDeps(this.env), bucket: this.env.ARCHIVES }, this.ctx.storage, streamId);
    } catch (error) {
      failed('log-stream-archive-export', streamId, error);
      return Date.now() + MACHINERY_RETRY_MS;
    }
  }
}
