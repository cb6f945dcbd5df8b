import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import type { AuditEvent } from '../../worker/contract/index.ts';
import { contentHashOf } from '../../worker/events/content-hash.ts';
import { unique } from './api.ts';

/**
 * A varied batch as raw JSON text (so number literals go out as written, not as JavaScript would
 * write them): non-ASCII and astral text and keys, keys that sort differently by code point and by
 * UTF-16 unit, integer-like keys, numbers in every spelling (1E21, 1e-7, -0, 0.1, 1.0, 100e-2,
 * integers beyond 2^53, the smallest double), nesting, NUL and escapes.
 */
export function variedBatch(minutesAgo = 1): { body: string; ids: string[] } {
  const at = (offset: number) => new Date(Date.now() - (minutesAgo + offset) * 60_000).toISOString();
  const ids = Array.from({ length: 5 }, (_, index) => unique(`hash-${index}`));
  const base = (index: number) =>
    `"id":"${ids[index]}","timestamp":"${at(index)}","action":"update","actor":{"type":"user","id":"alice@example.com","ip":"203.0.113.7"}`;
  const object = '"object":{"type":"argocd_application","id":{"name":"guestbook","kind":"Application","group":"argoproj.io"}}';
  const items = [
    `{${base(0)},${object},"details":{"message":"Grüße 日本語 😀👍🏽 \\u00e9 \\ud83d\\ude00 \\/","€":"euro","é":"e","😀":"emoji","\\uff61":"halfwidth","Z":1,"a":2}}`,
    `{${base(1)},${object},"details":{"message":"numbers","n":[1E21,1e-7,-0,0.1,1.0,100e-2,12345678901234567890,9007199254740993,5e-324,-1.5e-300,0.000001,123456789012345678901234567890,1e20,-42]}}`,
    `{${base(2)},${object},"details":{"message":"nested","deep":{"b":[1,{"d":true,"c":null,"a":[[],{}]}],"a":{"z":"","y":false}},"10":"ten","9":"nine","01":"zero-one"}}`,
    `{${base(3)},${object},"details":{"message":"nul\\u0000 tab\\t nl\\n cr\\r quote\\" backslash\\\\ unit\\u001f del\\u007f ls\\u2028 </script>","patch":"{\\"spec\\":{}}","actionType":"sync","nested":{"x":1}}}`,
    `{${base(4)},"object":{"type":"k8s_resource","id":{"name":"web","kind":"Deployment","namespace":"shop"},"parentId":{"name":"stage","kargoProjectName":"store"}}}`,
  ];
  return { body: `{"items":[${items.join(',')}]}`, ids };
}

/** Each event's contentHash is the one recomputed from the rest of it (contentHashOf leaves contentHash out). */
export function expectOwnHashes(events: readonly AuditEvent[]): void {
  for (const event of events) {
    expect(event.contentHash, `event ${event.id}`).toMatch(/^[0-9a-f]{64}$/);
    expect(event.contentHash, `event ${event.id}`).toBe(contentHashOf(event));
  }
}

export const hashesById = (events: readonly AuditEvent[]): Record<string, string> =>
  Object.fromEntries(events.map((event) => [event.id, event.contentHash]));

/** scripts/content-hash.py (or the copy docs/INTEGRITY.md prints) under python3 (test/setup/python-runner.ts) on these bytes. */
export async function pythonContentHash(
  input: string,
  from: 'scripts' | 'docs' = 'scripts',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const response = await fetch(`${env.PYTHON_RUNNER}/content-hash${from === 'docs' ? '?from=docs' : ''}`, { method: 'POST', body: input });
  expect(response.status).toBe(200);
  return response.json();
}

/** id → last cell of each CSV record (RFC 4180, read independently of the writer). */
export function csvLastCells(text: string): Record<string, string> {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index] as string;
    if (quoted && char === '"' && text[index + 1] === '"') {
      cell += '"';
      index += 1;
    } else if (char === '"') quoted = !quoted;
    else if (!quoted && char === ',') {
      record.push(cell);
      cell = '';
    } else if (!quoted && char === '\r' && text[index + 1] === '\n') {
      records.push([...record, cell]);
      record = [];
      cell = '';
      index += 1;
    } else cell += char;
  }
  return Object.fromEntries(records.slice(1).map((cells) => [cells[0], cells.at(-1)]));
}
