/**
 * A minimal counting receiver of `https` log-stream batches (docs/STREAMS.md, "https") for the
 * streams section, run in a child process of its own (stream-receiver-process.ts) so that the
 * bench's ingest clients, busy in this process, never slow down how it reads a batch. The child
 * stamps each event id's first arrival with its own clock and reports every request over IPC;
 * this side keeps the same maps and counters, so the section reads them synchronously as before
 * (they lag the child by one IPC message, never the arrival times). A stream can be taken down
 * (every request answered 503) to simulate an outage. Keeps no bodies, so 100,000-event runs
 * cost only the id maps.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ReceiverCommand, ReceiverReport } from './stream-receiver-process.ts';
import { emptyStats, type StreamReceiverStats } from './stream-receiver-stats.ts';

export interface StreamReceiver {
  urlOf(name: string): string;
  /** While down, every request of the stream is answered 503 and nothing is recorded but the refusal (resolves once the child has it). */
  setDown(name: string, down: boolean): Promise<void>;
  /** When each event id first arrived (epoch ms, taken in the receiver's process when the request's body was complete). */
  arrivals(name: string): Map<string, number>;
  stats(name: string): StreamReceiverStats;
  stop(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./stream-receiver-process.ts', import.meta.url));

/** Starts the receiver's process on a free loopback port; `secret` is the one every stream signs with. */
export async function startStreamReceiver(secret: string): Promise<StreamReceiver> {
  const child = fork(CHILD, [secret], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const arrivals = new Map<string, Map<string, number>>();
  const stats = new Map<string, StreamReceiverStats>();
  const waiting = new Map<number, () => void>();
  let asks = 0;
  const arrivalsOf = (name: string) => {
    let map = arrivals.get(name);
    if (!map) {
      map = new Map();
      arrivals.set(name, map);
    }
    return map;
  };
  const port = await new Promise<number>((ready, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`stream receiver process exited (${code}) before listening`)));
    child.on('message', (report: ReceiverReport) => {
      if (report.type === 'ready') ready(report.port);
      else if (report.type === 'done') waiting.get(report.ask)?.();
      else {
        const map = arrivalsOf(report.name);
        for (const id of report.ids) map.set(id, report.at);
        stats.set(report.name, report.stats);
      }
    });
  });
  child.removeAllListeners('exit');
  const ask = (command: (ask: number) => ReceiverCommand) =>
    new Promise<void>((done) => {
      const id = ++asks;
      waiting.set(id, () => {
        waiting.delete(id);
        done();
      });
      child.send(command(id));
    });
  return {
    urlOf: (name) => `http://127.0.0.1:${port}/streams/${name}`,
    setDown: (name, down) => ask((id) => ({ type: 'down', name, down, ask: id })),
    arrivals: arrivalsOf,
    stats: (name) => {
      const current = stats.get(name) ?? emptyStats();
      return { ...current, abortedAfterMs: [...current.abortedAfterMs] };
    },
    stop: async () => {
      if (child.connected) await ask((id) => ({ type: 'stop', ask: id }));
      if (child.exitCode === null) await new Promise((done) => child.once('exit', done));
    },
  };
}
