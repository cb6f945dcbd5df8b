import { describe, expect, it } from 'vitest';
import { eventColumnsFromValues } from '../worker/services/event-store/event-columns.ts';
import { variedStoredRows } from './helpers/varied-rows.ts';

describe('event rows read as arrays', () => {
  it('map to exactly what Drizzle maps them to: every column, nulls, both sources, extra details', async () => {
    const { query } = await variedStoredRows('event-columns');
    const mapped = await query();
    const fromValues = (await query().values()).map(eventColumnsFromValues);
    expect(mapped.length).toBeGreaterThanOrEqual(4);
    expect(new Set(mapped.map((row) => row.source))).toEqual(new Set(['ingest', 'platform']));
    expect(fromValues).toEqual(mapped);
    expect(fromValues.map((row) => Object.keys(row))).toEqual(mapped.map((row) => Object.keys(row)));
  });
});
