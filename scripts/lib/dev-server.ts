/**
 * The local Worker: D1 migrations, then `wrangler dev` with the cron test route, used by
 * `npm start` and by the browser tests (which give it a private port, state directory and secrets).
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { d1Databases } from './d1-databases.ts';
import { ROOT, run, startBackground, waitForServer } from './run.ts';

/**
 * The Worker archives only events received at least ARCHIVE_SETTLE_SECONDS ago (60 by default),
 * so that a request still committing is never skipped. Locally a request commits well within a
 * second, and five seconds let the demo's closed weeks be archived right after seeding.
 */
export const DEV_ARCHIVE_SETTLE_SECONDS = 5;

export interface DevServerOptions {
  port: number;
  /** Where the local D1, R2 and queue state live; wrangler's default (.wrangler/state) if absent. */
  persistTo?: string;
  /** Only events received at least this long ago are archived (the Worker's ARCHIVE_SETTLE_SECONDS). */
  archiveSettleSeconds: number;
  /** First retry delay of webhook deliveries (the Worker's WEBHOOK_RETRY_BASE_SECONDS; 30 when absent). */
  webhookRetryBaseSeconds?: number;
  /** More Worker variables, passed with --var (e.g. the secrets of a throwaway server). */
  vars?: Record<string, string>;
  inspectorPort?: number;
  /** 'inherit' shows wrangler's log in this terminal; 'capture' keeps its tail for error messages. */
  output: 'inherit' | 'capture';
  /**
   * In its own process group, so stop() ends wrangler and its workerd children together; such a
   * server would outlive this process, so it is killed when this process exits.
   */
  detached?: boolean;
  logLevel?: 'debug' | 'info' | 'log' | 'warn' | 'error' | 'none';
}

export interface DevServer {
  baseUrl: string;
  child: ChildProcess;
  /** The last 20 kB wrangler wrote (empty when its output goes to the terminal). */
  output(): string;
  /** Ends wrangler (and workerd) and resolves once it has exited. */
  stop(): Promise<void>;
}

/** Applies drizzle/ to every D1 database of wrangler.toml (the main one and each event shard), one after another. */
export async function applyMigrations(options: { persistTo?: string; quiet?: boolean; remote?: boolean } = {}): Promise<void> {
  const persist = options.persistTo ? ['--persist-to', options.persistTo] : [];
  for (const { binding } of d1Databases(join(ROOT, 'wrangler.toml'))) {
    await run('wrangler', ['d1', 'migrations', 'apply', binding, options.remote ? '--remote' : '--local', ...persist], {
      quiet: options.quiet ?? false,
    });
  }
}

export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const vars: Record<string, string> = {
    ...options.vars,
    ARCHIVE_SETTLE_SECONDS: String(options.archiveSettleSeconds),
    // A local server may deliver webhooks to receivers on this machine over plain http.
    ALLOW_INSECURE_WEBHOOKS: 'true',
  };
  if (options.webhookRetryBaseSeconds !== undefined) vars.WEBHOOK_RETRY_BASE_SECONDS = String(options.webhookRetryBaseSeconds);
  const args = [
    'dev',
    '--port',
    String(options.port),
    '--ip',
    '127.0.0.1',
    '--test-scheduled',
    '--show-interactive-dev-session=false',
    ...(options.persistTo ? ['--persist-to', options.persistTo] : []),
    ...(options.inspectorPort ? ['--inspector-port', String(options.inspectorPort)] : []),
    ...(options.logLevel ? ['--log-level', options.logLevel] : []),
    ...Object.entries(vars).flatMap(([name, value]) => ['--var', `${name}:${value}`]),
  ];
  const capture = options.output === 'capture';
  const child = startBackground('wrangler', args, {
    stdio: ['ignore', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
    detached: options.detached ?? false,
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const group = options.detached ? child.pid : undefined;
  const killGroup = (signal: NodeJS.Signals) => {
    if (group === undefined || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-group, signal);
    } catch {
      // Already gone.
    }
  };
  const onExit = () => killGroup('SIGKILL');
  if (group !== undefined) process.once('exit', onExit);

  const server: DevServer = {
    baseUrl: `http://127.0.0.1:${options.port}`,
    child,
    output: () => output,
    async stop() {
      process.off('exit', onExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((done) => child.once('exit', () => done()));
      if (group === undefined) child.kill('SIGTERM');
      else killGroup('SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(5000).then(() => true)]);
      if (timedOut) {
        if (group === undefined) child.kill('SIGKILL');
        else killGroup('SIGKILL');
        await exited;
      }
    },
  };
  try {
    await waitForServer(`${server.baseUrl}/api/v1/me`, 90_000, server);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
