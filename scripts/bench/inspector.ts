/**
 * The Worker isolate seen from inside, through the inspector of `wrangler dev` (Chrome DevTools
 * Protocol over a WebSocket): heap usage sampled while the bench runs a workload, the heap after a
 * full collection (what is really retained), a heap snapshot summary and a CPU profile summary.
 * Process RSS (server.ts) also counts the local D1/R2 simulators; this is the number production's
 * 128 MB isolate limit applies to.
 */

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export interface HeapUsage {
  usedSize: number;
  totalSize: number;
  /** ArrayBuffer contents, held outside the V8 heap (workerd reports it; absent elsewhere). */
  backingStorageSize?: number;
}

export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<string, ((params: unknown) => void)[]>();

  private readonly socket: WebSocket;
  private readonly poke: () => Promise<unknown>;

  private constructor(socket: WebSocket, poke: () => Promise<unknown>) {
    this.socket = socket;
    this.poke = poke;
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
        method?: string;
        params?: unknown;
      };
      if (message.id !== undefined) {
        const waiting = this.pending.get(message.id);
        this.pending.delete(message.id);
        if (message.error) waiting?.reject(new Error(`inspector: ${message.error.message}`));
        else waiting?.resolve(message.result);
      } else if (message.method) {
        for (const listener of this.listeners.get(message.method) ?? []) listener(message.params);
      }
    });
    socket.addEventListener('close', () => {
      for (const waiting of this.pending.values()) waiting.reject(new Error('inspector connection closed'));
      this.pending.clear();
    });
  }

  /**
   * Connects to the inspector proxy of `wrangler dev` on `port` (it serves the user Worker at
   * `/ws`, and refuses a WebSocket without an Origin header). `poke` sends the Worker a cheap
   * request: V8 runs a garbage collection or heap snapshot asked for by the inspector as a task,
   * and workerd runs such tasks only when the isolate has something to do.
   */
  static async connect(port: number, poke: () => Promise<unknown>, timeoutMs = 30_000): Promise<Inspector> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        // Node 22's WebSocket (undici) takes headers in its options; the DOM type does not know them.
        const Socket = WebSocket as unknown as new (url: string, options: { headers: Record<string, string> }) => WebSocket;
        const socket = new Socket(`ws://127.0.0.1:${port}/ws`, { headers: { Origin: 'http://localhost' } });
        await new Promise<void>((resolve, reject) => {
          socket.addEventListener('open', () => resolve(), { once: true });
          socket.addEventListener('error', () => reject(new Error('inspector connection failed')), { once: true });
        });
        return new Inspector(socket, poke);
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  }

  /**
   * One command and its answer. A busy isolate answers late, but an answer that never comes (one
   * run of the bench once hung here) fails the bench after `timeoutMs` instead of stalling it.
   */
  send<T>(method: string, params: Record<string, unknown> = {}, timeoutMs = 300_000): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`inspector: no answer to ${method} within ${timeoutMs} ms`));
      }, timeoutMs);
      const settle = () => clearTimeout(timer);
      this.pending.set(id, {
        resolve: (value) => {
          settle();
          resolve(value as T);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      this.socket.send(JSON.stringify({ id, method, params }));
    });
  }

  on(method: string, listener: (params: unknown) => void): () => void {
    const list = this.listeners.get(method) ?? [];
    list.push(listener);
    this.listeners.set(method, list);
    return () =>
      this.listeners.set(
        method,
        (this.listeners.get(method) ?? []).filter((entry) => entry !== listener),
      );
  }

  /** Sends a command that V8 answers from a task, poking the isolate until it answers. */
  async sendAndPoke<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    let answered = false;
    const reply = this.send<T>(method, params).finally(() => {
      answered = true;
    });
    while (!answered) {
      await Promise.race([reply.catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 100))]);
      if (!answered) await this.poke().catch(() => undefined);
    }
    return reply;
  }

  heapUsage(): Promise<HeapUsage> {
    return this.send<HeapUsage>('Runtime.getHeapUsage');
  }

  /** Heap in use after a full garbage collection: what the isolate really retains. */
  async retainedHeap(): Promise<number> {
    await this.sendAndPoke('HeapProfiler.collectGarbage');
    // Asked of an idle isolate, so poked too (a plain send once waited here for good).
    return (await this.sendAndPoke<HeapUsage>('Runtime.getHeapUsage')).usedSize;
  }

  close(): void {
    this.socket.close();
  }
}

export interface HeapSampled<T> {
  result: T;
  /** Used heap (after a full collection) before the work started. */
  baseUsed: number;
  peakUsed: number;
  peakTotal: number;
  /** Most ArrayBuffer bytes held outside the heap at once. */
  peakBacking: number;
  /** Used heap after a full collection once the work is done. */
  retainedAfter: number;
  samples: number;
}

/**
 * Samples the isolate's heap every `intervalMs` while `work` runs (one request in flight at a
 * time: a busy isolate answers late rather than piling requests up).
 */
export async function withHeapSampling<T>(inspector: Inspector, work: () => Promise<T>, intervalMs = 50): Promise<HeapSampled<T>> {
  const baseUsed = await inspector.retainedHeap();
  let peakUsed = baseUsed;
  let peakTotal = 0;
  let peakBacking = 0;
  let samples = 0;
  let running = true;
  const sampler = (async () => {
    while (running) {
      const tick = new Promise((resolve) => setTimeout(resolve, intervalMs));
      const usage = await inspector.heapUsage();
      samples += 1;
      peakUsed = Math.max(peakUsed, usage.usedSize);
      peakTotal = Math.max(peakTotal, usage.totalSize);
      peakBacking = Math.max(peakBacking, usage.backingStorageSize ?? 0);
      await tick;
    }
  })();
  try {
    const result = await work();
    running = false;
    await sampler;
    const last = await inspector.heapUsage();
    peakUsed = Math.max(peakUsed, last.usedSize);
    return { result, baseUsed, peakUsed, peakTotal, peakBacking, retainedAfter: await inspector.retainedHeap(), samples };
  } finally {
    running = false;
    await sampler.catch(() => undefined);
  }
}

interface SnapshotJson {
  snapshot: { meta: { node_fields: string[]; node_types: [string[], ...unknown[]] } };
  nodes: number[];
  strings: string[];
}

/** The biggest kinds of object in a heap snapshot, by total self size (constructor name or type). */
export async function heapSnapshotSummary(
  inspector: Inspector,
  top = 8,
): Promise<{ total: number; groups: { name: string; count: number; bytes: number }[] }> {
  const chunks: string[] = [];
  const stop = inspector.on('HeapProfiler.addHeapSnapshotChunk', (params) => chunks.push((params as { chunk: string }).chunk));
  try {
    await inspector.sendAndPoke('HeapProfiler.takeHeapSnapshot', { reportProgress: false });
  } finally {
    stop();
  }
  const snapshot = JSON.parse(chunks.join('')) as SnapshotJson;
  const fields = snapshot.snapshot.meta.node_fields;
  const types = snapshot.snapshot.meta.node_types[0];
  const [typeAt, nameAt, sizeAt] = [fields.indexOf('type'), fields.indexOf('name'), fields.indexOf('self_size')];
  const groups = new Map<string, { count: number; bytes: number }>();
  let total = 0;
  for (let offset = 0; offset < snapshot.nodes.length; offset += fields.length) {
    const type = types[snapshot.nodes[offset + typeAt] as number] ?? '?';
    // Objects group by constructor; strings, arrays, code and the rest by their type.
    const name =
      type === 'object' || type === 'native' ? (snapshot.strings[snapshot.nodes[offset + nameAt] as number] ?? '?') : `(${type})`;
    const size = snapshot.nodes[offset + sizeAt] as number;
    total += size;
    const group = groups.get(name) ?? { count: 0, bytes: 0 };
    group.count += 1;
    group.bytes += size;
    groups.set(name, group);
  }
  return {
    total,
    groups: [...groups.entries()]
      .map(([name, group]) => ({ name, ...group }))
      .sort((a, b) => b.bytes - a.bytes)
      .slice(0, top),
  };
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** Runs `work` under the CPU profiler; returns the functions with the most self time. */
export async function cpuProfile<T>(
  inspector: Inspector,
  work: () => Promise<T>,
  top = 15,
): Promise<{ result: T; totalMs: number; functions: { name: string; ms: number; share: number }[] }> {
  await inspector.send('Profiler.enable');
  await inspector.send('Profiler.setSamplingInterval', { interval: 1000 });
  await inspector.send('Profiler.start');
  const result = await work();
  const { profile } = await inspector.send<{ profile: CpuProfile }>('Profiler.stop');
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const self = new Map<string, number>();
  let totalMs = 0;
  profile.samples.forEach((id, index) => {
    const frame = frames.get(id);
    const file = frame?.url.split('/').at(-1) ?? '';
    const name = `${frame?.functionName || '(anonymous)'} ${file ? `${file}:${(frame?.lineNumber ?? 0) + 1}` : ''}`.trim();
    const ms = (profile.timeDeltas[index] ?? 0) / 1000;
    totalMs += ms;
    self.set(name, (self.get(name) ?? 0) + ms);
  });
  return {
    result,
    totalMs,
    functions: [...self.entries()]
      .map(([name, ms]) => ({ name, ms, share: ms / totalMs }))
      .sort((a, b) => b.ms - a.ms)
      .slice(0, top),
  };
}
