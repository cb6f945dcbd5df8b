import { z } from '@hono/zod-openapi';
import { FACETS } from './enums.ts';

export const MAX_FACET_VALUES = 100;

export const FacetQuery = z.object({
  facet: z.enum(FACETS).openapi({ param: { name: 'facet', in: 'query' }, description: 'Which field to list the values of' }),
});

export const FacetValuesSchema = z
  .object({
    values: z
      .array(z.object({ value: z.string(), count: z.number().int() }))
      .openapi({ description: `The ${MAX_FACET_VALUES} most frequent values among the events in the API, most frequent first` }),
  })
  .openapi('AuditLogFacetValues');

export type FacetValues = z.infer<typeof FacetValuesSchema>;
