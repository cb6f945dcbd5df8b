import { and, asc, desc, eq, gt } from 'drizzle-orm';
import type { Facet } from '../../contract/enums.ts';
import { type FacetValues, MAX_FACET_VALUES } from '../../contract/facets.ts';
import type { Database } from '../../db/client.ts';
import { eventFacets } from '../../db/schema.ts';

/** The most frequent values of a facet: an index range of the counters, whatever the number of events. */
export function facetQuery(db: Database, organizationId: string, facet: Facet) {
  return db
    .select({ value: eventFacets.value, count: eventFacets.eventCount })
    .from(eventFacets)
    .where(and(eq(eventFacets.organizationId, organizationId), eq(eventFacets.facet, facet), gt(eventFacets.eventCount, 0)))
    .orderBy(desc(eventFacets.eventCount), asc(eventFacets.value))
    .limit(MAX_FACET_VALUES);
}

export async function facetValues(db: Database, organizationId: string, facet: Facet): Promise<FacetValues> {
  return { values: await facetQuery(db, organizationId, facet) };
}
