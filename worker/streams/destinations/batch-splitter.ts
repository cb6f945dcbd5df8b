/**
 * Cuts an ascending run of events into batches a destination accepts (docs/STREAMS.md: up to 1,000
 * events and 1 MB per batch; Datadog: its own limits). Order is kept and every event lands in
 * exactly one batch. An event larger than `maxBytes` on its own gets a batch of its own: an event
 * cannot be split, and the destination's encoder decides what to do with it (docs/STREAMS.md).
 */
export interface BatchLimits {
  maxItems: number;
  /** Bytes of the batch as `sizeOf` counts them, plus `separatorBytes` between items. */
  maxBytes: number;
  separatorBytes?: number;
  /** Fixed bytes of the batch around its items (`[` and `]` of a JSON array). */
  overheadBytes?: number;
}

/** The batch limits of docs/STREAMS.md, for every destination but Datadog. */
export const STREAM_BATCH_LIMITS: BatchLimits = { maxItems: 1000, maxBytes: 1_000_000, separatorBytes: 0 };

export function splitBatches<T>(items: readonly T[], sizeOf: (item: T) => number, limits: BatchLimits): T[][] {
  if (limits.maxItems < 1 || limits.maxBytes < 1) throw new Error('batch limits must be positive');
  const separator = limits.separatorBytes ?? 0;
  const overhead = limits.overheadBytes ?? 0;
  const batches: T[][] = [];
  let current: T[] = [];
  let bytes = overhead;
  for (const item of items) {
    const size = sizeOf(item);
    const added = current.length === 0 ? size : size + separator;
    if (current.length > 0 && (current.length >= limits.maxItems || bytes + added > limits.maxBytes)) {
      batches.push(current);
      current = [];
      bytes = overhead;
    }
    bytes += current.length === 0 ? size : size + separator;
    current.push(item);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

const encoder = new TextEncoder();

/** Bytes of an event as an NDJSON line (its JSON and the newline). */
export const ndjsonLineBytes = (event: unknown): number => encoder.encode(JSON.stringify(event)).length + 1;
