/** What the delivery history keeps of a receiver's answer: bounded, whatever the receiver sends. */
const MAX_RESPONSE_BYTES = 4096;
const MAX_HEADERS = 50;
const MAX_HEADER_VALUE = 1024;

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

/** At most `maxBytes` of the body as text (invalid UTF-8 replaced); the rest is never read. */
export async function readCapped(response: Response, maxBytes = MAX_RESPONSE_BYTES): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  try {
    while (size <= maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    truncated = size > maxBytes;
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  const bytes = new Uint8Array(Math.min(size, maxBytes));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.byteLength - offset);
    bytes.set(part, offset);
    offset += part.byteLength;
    if (offset >= bytes.byteLength) break;
  }
  // A multi-byte character cut at the limit decodes as U+FFFD, which is honest about the cut.
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
  return truncated ? `${text}…` : text;
}

/** Headers as a plain object: at most 50, each value at most 1 KiB. */
export function headerRecord(headers: Headers | Record<string, string>): Record<string, string> {
  const entries = headers instanceof Headers ? [...headers.entries()] : Object.entries(headers);
  return Object.fromEntries(entries.slice(0, MAX_HEADERS).map(([name, value]) => [name, clip(value, MAX_HEADER_VALUE)]));
}
