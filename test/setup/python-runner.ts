import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

const SCRIPT = fileURLToPath(new URL('../../scripts/content-hash.py', import.meta.url));
const DOCS = fileURLToPath(new URL('../../docs/INTEGRITY.md', import.meta.url));

/** The script as docs/INTEGRITY.md prints it (its one python block), so the page's copy is tested too. */
function docsScript(): string {
  const block = /```python\n([\s\S]*?)```/.exec(readFileSync(DOCS, 'utf8'));
  if (!block?.[1]) throw new Error('docs/INTEGRITY.md has no python block');
  return block[1];
}

interface PythonRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** scripts/content-hash.py (or the copy in the docs) under the machine's python3, fed `input` on standard input. */
function runScript(input: Buffer, fromDocs: boolean): Promise<PythonRun> {
  return new Promise((resolve) => {
    const child = spawn('python3', fromDocs ? ['-c', docsScript()] : [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', (error) => resolve({ code: null, stdout: '', stderr: `python3 could not run: ${error.message}` }));
    child.on('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }),
    );
    child.stdin.end(input);
  });
}

/**
 * The Python recomputation of contentHash (scripts/content-hash.py, docs/INTEGRITY.md) for tests in
 * workerd, which cannot start a process: they POST the API's bytes to `<base>/content-hash` (or
 * `<base>/content-hash?from=docs` for the copy printed in docs/INTEGRITY.md) and get the script's
 * exit code and output back as JSON.
 */
export default async function setup(project: TestProject) {
  const server = createServer((request, response) => {
    const body: Buffer[] = [];
    request.on('data', (chunk: Buffer) => body.push(chunk));
    request.on('end', async () => {
      const run = await runScript(Buffer.concat(body), (request.url ?? '').endsWith('?from=docs'));
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(run));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  project.provide('pythonRunnerUrl', `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
}

declare module 'vitest' {
  export interface ProvidedContext {
    pythonRunnerUrl: string;
  }
}
