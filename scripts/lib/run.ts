import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

/** The repository root: tools run from here whatever the caller's working directory. */
export const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'node_modules/.bin');

/**
 * Child processes see no metrics prompt and no interactive confirmation. The repository's own
 * binaries come first on PATH even outside npm scripts (the browser tests run under plain
 * `node --test`): wrangler must run on the node it was installed for (node_modules/.bin/node is 22).
 */
export const toolEnv: NodeJS.ProcessEnv = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  NO_D1_WARNING: 'true',
  PATH: `${BIN}:${process.env.PATH ?? ''}`,
};

export interface RunOptions extends SpawnOptions {
  /** Keep the tool's output to ourselves, and show it only if the tool fails. */
  quiet?: boolean;
}

/** Runs a command (binaries resolve through node_modules/.bin) and fails loudly. */
export function run(command: string, args: string[], { quiet = false, ...options }: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: ['ignore', quiet ? 'pipe' : 'inherit', quiet ? 'pipe' : 'inherit'],
      env: toolEnv,
      ...options,
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output += chunk.toString();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited with ${code}${output ? `\n${output}` : ''}`)),
    );
  });
}

export function startBackground(command: string, args: string[], options: SpawnOptions = {}): ChildProcess {
  return spawn(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: toolEnv, ...options });
}

/** What waitForServer reports when the server process dies or never answers. */
export interface ServerProcess {
  child: ChildProcess;
  output(): string;
}

/**
 * Polls until the server answers (any HTTP status) or the deadline passes. Given the server's
 * process, it fails as soon as that exits instead of waiting out the deadline.
 */
export async function waitForServer(url: string, timeoutMs = 60_000, server?: ServerProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const tail = () => (server?.output() ? `:\n${server.output()}` : '');
  while (Date.now() < deadline) {
    const child = server?.child;
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(`the server exited (${child.exitCode ?? child.signalCode}) before answering${tail()}`);
    }
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms${tail()}`);
}
