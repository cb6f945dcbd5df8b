/** Cloudflare Queues take at most 100 messages per sendBatch call. */
const QUEUE_BATCH_LIMIT = 100;

/** Items in slices of at most one sendBatch each, in order. */
export function queueBatches<T>(items: readonly T[]): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length; start += QUEUE_BATCH_LIMIT) batches.push(items.slice(start, start + QUEUE_BATCH_LIMIT));
  return batches;
}

/** Sends every message, one sendBatch call per QUEUE_BATCH_LIMIT of them, in order; the first failure throws. */
export async function sendInBatches<Body>(queue: Queue<Body>, messages: readonly MessageSendRequest<Body>[]): Promise<void> {
  for (const batch of queueBatches(messages)) await queue.sendBatch(batch);
}
