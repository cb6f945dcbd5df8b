/**
 * `--stream <events.ndjson> --checkpoints <checkpoints.json> --public-key <pem>`: a copy of the
 * record (stream pages or an NDJSON export) checked against signed checkpoints
 * (docs/verifying-archives.md, "A stream or export copy"). The file is read line by line, so its
 * size does not matter; the checks are worker/archive/verify's `verifyStream`.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { streamReportLines, verifyStream } from '../../worker/archive/verify/index.ts';
import { readInput, UsageError } from './archive-commands.ts';

export interface StreamArguments {
  stream: string;
  checkpoints: string | undefined;
  publicKey: string | undefined;
}

/**
 * The file's lines, opened only when the first is asked for: readline emits lines as soon as it
 * exists, and those emitted before anyone iterates are lost.
 */
async function* fileLines(path: string): AsyncGenerator<string> {
  yield* createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Number.POSITIVE_INFINITY });
}

export async function verifyStreamFile(args: StreamArguments): Promise<number> {
  if (args.checkpoints === undefined)
    throw new UsageError('--stream needs --checkpoints <checkpoints.json> (the answer of GET …/audit-log-checkpoints)');
  if (args.publicKey === undefined) throw new UsageError('--stream needs --public-key <pem>: without it no checkpoint proves anything');
  const decoder = new TextDecoder();
  const checkpoints = decoder.decode(readInput(args.checkpoints, 'checkpoints'));
  const publicKeyPem = decoder.decode(readInput(args.publicKey, 'public key'));
  if (statSync(args.stream, { throwIfNoEntry: false })?.isFile() !== true)
    throw new UsageError(`cannot read events file ${args.stream}: not a file`);
  const result = await verifyStream({ checkpoints, publicKeyPem, lines: fileLines(args.stream) });
  console.log(`Events:      ${args.stream}`);
  console.log(`Checkpoints: ${args.checkpoints}`);
  console.log(`Public key:  ${args.publicKey}${result.publicKeyFingerprint ? ` (sha256 of the key ${result.publicKeyFingerprint})` : ''}`);
  console.log('');
  for (const line of streamReportLines(result)) console.log(line);
  return result.ok ? 0 : 1;
}
