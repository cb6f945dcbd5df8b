// D1 caps a statement at 100 bound parameters; passing rows as one JSON parameter to json_each()
// sidesteps that. A JSON parameter is kept well under D1's 2 MB value limit.
const MAX_JSON_CHARS = 512 * 1024;

/** Items as JSON arrays of bounded size, each to bind as one parameter of a json_each() statement. */
export function jsonChunks<T>(items: T[]): string[] {
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 2;
  for (const item of items) {
    const json = JSON.stringify(item);
    if (current.length > 0 && size + json.length + 1 > MAX_JSON_CHARS) {
      chunks.push(`[${current.join(',')}]`);
      current = [];
      size = 2;
    }
    current.push(json);
    size += json.length + 1;
  }
  if (current.length > 0) chunks.push(`[${current.join(',')}]`);
  return chunks;
}
