/** What the bench's stream receiver counts per stream: kept by its process, mirrored by the bench (stream-receiver.ts). */
export interface StreamReceiverStats {
  requests: number;
  /** Requests answered 503 while the stream was down. */
  refused: number;
  /** Event lines accepted (duplicates included). */
  events: number;
  /** Event lines whose id had already arrived. */
  duplicates: number;
  badSignatures: number;
  /** Lines that were not JSON objects with a string id. */
  malformed: number;
  /** Milliseconds from a request's headers to its last body byte, summed and at most (the sender's upload). */
  uploadMs: number;
  maxUploadMs: number;
  /** Requests whose headers arrived but whose body never completed (the sender gave up), and how long after their headers. */
  aborted: number;
  abortedAfterMs: number[];
}

export const emptyStats = (): StreamReceiverStats => ({
  requests: 0,
  refused: 0,
  events: 0,
  duplicates: 0,
  badSignatures: 0,
  malformed: 0,
  uploadMs: 0,
  maxUploadMs: 0,
  aborted: 0,
  abortedAfterMs: [],
});
