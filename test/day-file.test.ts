import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DayFileWriter } from '../worker/archive/day-file.ts';

const decode = (chunks: Uint8Array[]) => new TextDecoder().decode(new Uint8Array(chunks.flatMap((chunk) => [...chunk])));

describe('a day file written page by page', () => {
  it('is `[`, the lines joined by `,\\n`, `]` for any lines in any pages (several groups, any characters)', () => {
    const line = fc.oneof(fc.string({ maxLength: 30 }), fc.string({ unit: 'grapheme', maxLength: 10 }), fc.constant('{"a":"😀 ü"}'));
    fc.assert(
      fc.property(fc.array(fc.array(line, { maxLength: 150 }), { maxLength: 4 }), (pages) => {
        const writer = new DayFileWriter();
        const chunks = [...pages.map((page) => writer.page(page)), writer.end()];
        const lines = pages.flat();
        expect(decode(chunks)).toBe(lines.length === 0 ? '[]\n' : `[\n${lines.join(',\n')}\n]\n`);
        expect(writer.count).toBe(lines.length);
      }),
      { numRuns: 200 },
    );
  });
});
