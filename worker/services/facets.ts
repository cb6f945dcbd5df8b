import { and, asc, desc, eq, gt } from 'drizzle-orm';
import type { Facet } from '../contract/enums';
import { MAX_FACET_VALUES, type FacetValues } from '../contract/facets';
import type { Database } from '../db/client';
import { eventFacets } from '../db/schema';

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
