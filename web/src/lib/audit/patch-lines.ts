// Turns `details.patch` into diff lines. Producers send, in practice:
//  - a JSON merge patch (RFC 7396), the common case: every member it sets is an addition or a
//    change, and a member set to null is a removal;
//  - a JSON Patch (RFC 6902) array of operations;
//  - a unified diff (`---`/`+++`/`@@`);
//  - anything else, shown as plain text.

type PatchLineKind = 'add' | 'remove' | 'change' | 'context' | 'hunk' | 'meta';
export type PatchFormat = 'merge-patch' | 'json-patch' | 'unified-diff' | 'text';

interface PatchLine {
  kind: PatchLineKind;
  text: string;
}

export interface PatchView {
  format: PatchFormat;
  lines: PatchLine[];
}

export const PATCH_FORMAT_LABELS: Record<PatchFormat, string> = {
  'merge-patch': 'JSON merge patch',
  'json-patch': 'JSON Patch',
  'unified-diff': 'Unified diff',
  text: 'Text',
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const isObject = (value: Json): value is { [key: string]: Json } => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Pretty-prints a merge patch two spaces per level, marking what each member does. */
function mergePatchLines(value: Json): PatchLine[] {
  const lines: PatchLine[] = [];
  const walk = (node: Json, indent: string, prefix: string, comma: string, kind: PatchLineKind) => {
    if (isObject(node)) {
      const entries = Object.entries(node);
      if (entries.length === 0) {
        lines.push({ kind, text: `${indent}${prefix}{}${comma}` });
        return;
      }
      lines.push({ kind: 'context', text: `${indent}${prefix}{` });
      entries.forEach(([key, child], index) => {
        const childComma = index < entries.length - 1 ? ',' : '';
        // In a merge patch, null deletes the member; anything else sets it.
        const childKind: PatchLineKind = child === null ? 'remove' : 'add';
        walk(child, `${indent}  `, `${JSON.stringify(key)}: `, childComma, childKind);
      });
      lines.push({ kind: 'context', text: `${indent}}${comma}` });
      return;
    }
    // Arrays are replaced whole by a merge patch, so all of an array's lines are additions.
    const text = JSON.stringify(node, null, 2)
      .split('\n')
      .map((line, index) => (index === 0 ? `${indent}${prefix}${line}` : `${indent}${line}`));
    for (const [index, line] of text.entries()) lines.push({ kind, text: index === text.length - 1 ? `${line}${comma}` : line });
  };
  walk(value, '', '', '', 'add');
  return lines;
}

interface JsonPatchOperation {
  op: string;
  path: string;
  from?: string;
  value?: Json;
}

const isJsonPatch = (value: Json): value is Json[] =>
  Array.isArray(value) &&
  value.length > 0 &&
  value.every((item) => isObject(item) && typeof item.op === 'string' && typeof item.path === 'string');

function jsonPatchLines(operations: JsonPatchOperation[]): PatchLine[] {
  return operations.map((operation) => {
    const value = operation.value === undefined ? '' : ` ${JSON.stringify(operation.value)}`;
    switch (operation.op) {
      case 'add':
        return { kind: 'add', text: `add ${operation.path}${value}` };
      case 'remove':
        return { kind: 'remove', text: `remove ${operation.path}` };
      case 'replace':
        return { kind: 'change', text: `replace ${operation.path}${value}` };
      default: {
        const from = operation.from ? ` from ${operation.from}` : '';
        return { kind: 'context', text: `${operation.op} ${operation.path}${from}${value}` };
      }
    }
  });
}

const UNIFIED_DIFF = /^(?:--- |\+\+\+ |@@ |diff --git )/m;

function unifiedDiffLines(patch: string): PatchLine[] {
  return patch
    .replace(/\r\n/g, '\n')
    .replace(/\n$/, '')
    .split('\n')
    .map((text) => {
      if (/^(?:--- |\+\+\+ |diff |index )/.test(text)) return { kind: 'meta', text };
      if (text.startsWith('@@')) return { kind: 'hunk', text };
      if (text.startsWith('+')) return { kind: 'add', text };
      if (text.startsWith('-')) return { kind: 'remove', text };
      return { kind: 'context', text };
    });
}

export function patchView(patch: string): PatchView {
  const trimmed = patch.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      const value = JSON.parse(trimmed) as Json;
      if (isJsonPatch(value)) {
        return { format: 'json-patch', lines: jsonPatchLines(value as unknown as JsonPatchOperation[]) };
      }
      return { format: 'merge-patch', lines: mergePatchLines(value) };
    } catch {
      // Not JSON after all: fall through to the text forms.
    }
  }
  if (UNIFIED_DIFF.test(patch)) return { format: 'unified-diff', lines: unifiedDiffLines(patch) };
  return {
    format: 'text',
    lines: patch.split(/\r?\n/).map((text) => ({ kind: 'context', text })),
  };
}
