/** The facets figure (P11 item 4): the top-100 values of a facet at 1M events, from counters. */
import type { BenchOrg } from './dataset.ts';
import { type Figure, figure, latency, round, timedFetch } from './measure.ts';

export async function facetFigures(baseUrl: string, org: BenchOrg, firstPageP50: number, repeat: number): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const facet of ['actorId', 'action', 'objectType']) {
    const url = `${baseUrl}/api/v1/organizations/${org.id}/audit-logs-facets?facet=${facet}`;
    const headers = { authorization: `Bearer ${org.ownerKey}` };
    const answer = JSON.parse((await timedFetch(url, { headers })).body) as { values?: unknown[] };
    if (!answer.values?.length) throw new Error(`facet ${facet} answered no values: the dataset lacks its counters`);
    const result = await latency(repeat, 2, () => timedFetch(url, { headers }));
    figures.push(
      figure({
        section: 'Query',
        name: `facet ${facet} (top 100 with counts) p50`,
        value: result.p50,
        unit: 'ms',
        baselineName: 'first page p50',
        baseline: firstPageP50,
        goal: '≤ 1.2× first page',
        pass: result.p50 <= 1.2 * firstPageP50,
        note: `${answer.values.length} values; p95 ${round(result.p95)} ms`,
      }),
    );
  }
  return figures;
}
