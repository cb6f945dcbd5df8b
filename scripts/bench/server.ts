import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { d1Databases } from '../lib/d1-databases.ts';
import { toolEnv, waitForServer } from '../lib/run.ts';

export interface BenchServer {
  url: string;
  adminToken: string;
  logs: string[];
  /** The inspector port of the Worker isolate, when started with one (see inspector.ts). */
  inspectorPort: number | null;
  /** The workerd process serving requests (for CPU and RSS readings). */
  workerdPid(): number;
  stop(): Promise<void>;
}

/** Applies drizzle/ to every D1 database of the config (the main one and each shard). */
export function applyMigrations(persistDir: string, config = 'wrangler.toml'): void {
  for (const { binding } of d1Databases(config)) {
    const result = spawnSync('wrangler', ['d1', 'migrations', 'apply', binding, '--local', '--persist-to', persistDir, '-c', config], {
      env: { ...toolEnv, CI: 'true' },
      encoding: 'utf8',
    });
    if (result.status !== 0) throw new Error(`migrations of ${binding} failed: ${result.stderr}${result.stdout}`);
  }
}

function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((child) => {
      try {
        return Number(readFileSync(`/proc/${child}/stat`, 'utf8').split(') ')[1]?.split(' ')[1]) === pid;
      } catch {
        return false;
      }
    });
}

function descendants(pid: number): number[] {
  const direct = childrenOf(pid);
  return [...direct, ...direct.flatMap(descendants)];
}

/** Starts `wrangler dev` on a persist dir of its own, with fresh secrets (and any `vars`) passed as --var. */
export async function startServer(
  persistDir: string,
  port: number,
  config = 'wrangler.toml',
  options: { vars?: Record<string, string>; inspectorPort?: number; env?: Record<string, string> } = {},
): Promise<BenchServer> {
  const adminToken = `adm_${randomBytes(16).toString('hex')}`;
  const signingKey = generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  const args = [
    'dev',
    '-c',
    config,
    '--port',
    String(port),
    '--ip',
    '127.0.0.1',
    '--persist-to',
    persistDir,
    '--test-scheduled',
    '--show-interactive-dev-session=false',
    '--var',
    `ADMIN_TOKEN:${adminToken}`,
    '--var',
    `ARCHIVE_SIGNING_KEY:${signingKey}`,
    '--var',
    `LINK_SIGNING_SECRET:${randomBytes(16).toString('hex')}`,
    ...Object.entries(options.vars ?? {}).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
    ...(options.inspectorPort ? ['--inspector-port', String(options.inspectorPort)] : []),
  ];
  const child: ChildProcess = spawn('wrangler', args, { env: { ...toolEnv, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  const collect = (chunk: Buffer) => logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  // workerd processes outlive wrangler briefly; wait for them, so the next server's port and
  // files are really free (a dying runtime still answering cut a benchmark stream short).
  const stop = async () => {
    const processes = descendants(child.pid ?? 0);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    const deadline = Date.now() + 10_000;
    while (processes.some((pid) => existsSync(`/proc/${pid}`)) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    for (const pid of processes.filter((candidate) => existsSync(`/proc/${candidate}`))) process.kill(pid, 'SIGKILL');
  };
  // A runtime that never came up (e.g. under a heap cap too small for it) must not keep the port.
  // Its last lines say why (e.g. web/build missing: `npm run build:web` first).
  await waitForServer(`${url}/api/v1/me`, 90_000).catch(async (error: unknown) => {
    await stop();
    const why = logs.slice(-5).join(' | ');
    throw new Error(`${error instanceof Error ? error.message : String(error)}${why ? `; wrangler said: ${why}` : ''}`);
  });
  return {
    url,
    adminToken,
    logs,
    inspectorPort: options.inspectorPort ?? null,
    workerdPid() {
      // wrangler dev runs two workerd processes: an entry proxy on the port, and the runtime that
      // executes the Worker (the one with the inspector). Readings come from the latter.
      const pid = descendants(child.pid ?? 0).find((candidate) => {
        try {
          const command = readFileSync(`/proc/${candidate}/cmdline`, 'utf8');
          return command.includes('workerd') && command.includes('inspector');
        } catch {
          return false;
        }
      });
      if (!pid) throw new Error('workerd process not found');
      return pid;
    },
    stop,
  };
}

/** CPU seconds (user + system) a process has used so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100; // USER_HZ is 100 on Linux
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(match?.[1] ?? 0) * 1024;
}

/** Samples a process's RSS every 50 ms while `work` runs; returns the work's result and the peak. */
export async function withPeakRss<T>(
  pid: number,
  work: () => Promise<T>,
): Promise<{ result: T; peakRss: number; baseRss: number; cpu: number; wall: number }> {
  const baseRss = rssBytes(pid);
  let peakRss = baseRss;
  const timer = setInterval(() => {
    peakRss = Math.max(peakRss, rssBytes(pid));
  }, 50);
  const cpuBefore = cpuSeconds(pid);
  const started = performance.now();
  try {
    const result = await work();
    peakRss = Math.max(peakRss, rssBytes(pid));
    return { result, peakRss, baseRss, cpu: cpuSeconds(pid) - cpuBefore, wall: (performance.now() - started) / 1000 };
  } finally {
    clearInterval(timer);
  }
}
