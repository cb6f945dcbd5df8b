import type { FieldError } from './problem.ts';

/** Object keys that would reach an object's prototype when copied: never accepted anywhere. */
const PROTOTYPE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
/** Fields the service sets on every event; a client must not send them. */
const SERVICE_FIELDS = new Set(['source', 'sourceKeyId', 'credential', 'sequence']);
const MAX_JSON_DEPTH = 32;

/**
 * Problems in a raw JSON event that a schema cannot see: keys that would reach a prototype,
 * service-set fields and nesting deeper than MAX_JSON_DEPTH. Walks iteratively, so a hostile
 * depth cannot exhaust the stack. (Bad bytes, lone surrogates and numbers a double cannot hold
 * are refused for every body before this: strict-json.ts.)
 */
export function hostileJsonProblems(event: unknown, prefix: string[]): FieldError[] {
  const problems: FieldError[] = [];
  const pending: { value: unknown; path: string[]; depth: number }[] = [{ value: event, path: prefix, depth: 0 }];
  if (typeof event === 'object' && event !== null && !Array.isArray(event)) {
    for (const key of Object.keys(event)) {
      if (SERVICE_FIELDS.has(key))
        problems.push({ pointer: [...prefix, key].join('/'), detail: 'is set by the service and cannot be sent' });
    }
  }
  while (pending.length > 0 && problems.length < 100) {
    const { value, path, depth } = pending.pop() as { value: unknown; path: string[]; depth: number };
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= MAX_JSON_DEPTH) {
      problems.push({ pointer: path.join('/'), detail: `is nested deeper than ${MAX_JSON_DEPTH} levels` });
      continue;
    }
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((item, index) => [String(index), item]) : Object.entries(value);
    for (const [key, inner] of entries) {
      const innerPath = [...path, key];
      if (!Array.isArray(value)) {
        if (PROTOTYPE_KEYS.has(key)) problems.push({ pointer: innerPath.join('/'), detail: `"${key}" is not allowed as a key` });
      }
      pending.push({ value: inner, path: innerPath, depth: depth + 1 });
    }
  }
  return problems;
}
