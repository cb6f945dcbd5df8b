import { z } from '@hono/zod-openapi';
import { printable } from './notification-configs.ts';
import { FilterQuery, timeValue } from './query.ts';

/** Views one person keeps per organization (a menu, not a library). */
export const MAX_SAVED_VIEWS = 100;
export const MAX_SAVED_VIEW_NAME = 100;
/** Characters of a saved query string: every filter at a realistic size fits many times over. */
const MAX_SAVED_VIEW_QUERY = 4096;

const filter = FilterQuery.shape;

/**
 * The dashboard URL's filter parameters (web/src/lib/audit/audit-filters.ts and object-filters.ts
 * write them) and, for each, the API parameter whose schema validates its value: a saved query is
 * exactly what the Audit Logs tab would send as `filters.*`, or it is refused. Display settings
 * (`utc`) and the open event (`event`, `at`) are not filters and are not saved.
 */
const DASHBOARD_FILTERS: Record<string, { schema: z.ZodType; repeatable: boolean }> = {
  range: { schema: z.enum(['24h', '7d', '30d', 'custom']), repeatable: false },
  from: { schema: timeValue, repeatable: false },
  to: { schema: timeValue, repeatable: false },
  actor: { schema: filter['filters.actorId'], repeatable: true },
  action: { schema: filter['filters.action'], repeatable: true },
  objectType: { schema: filter['filters.objectType'], repeatable: true },
  instance: { schema: filter['filters.instanceId'], repeatable: false },
  app: { schema: filter['filters.argocdApplication.objectName'], repeatable: true },
  project: { schema: filter['filters.argocdProject.objectName'], repeatable: true },
  cluster: { schema: filter['filters.argocdCluster.objectName'], repeatable: true },
  namespace: { schema: filter['filters.k8sResource.objectNamespace'], repeatable: true },
  kargoProject: { schema: filter['filters.kargoPromotion.objectParentKargoProjectName'], repeatable: true },
  stage: { schema: filter['filters.kargoPromotion.objectParentName'], repeatable: true },
  children: { schema: z.literal('1'), repeatable: false },
  q: { schema: filter['filters.q'], repeatable: false },
};

const SAVED_VIEW_FILTER_KEYS = Object.keys(DASHBOARD_FILTERS);

/** What is wrong with a saved query string, in words (empty when nothing is). */
export function savedQueryProblems(query: string): string[] {
  const params = new URLSearchParams(query);
  const problems: string[] = [];
  for (const key of new Set(params.keys())) {
    const known = Object.hasOwn(DASHBOARD_FILTERS, key) ? DASHBOARD_FILTERS[key] : undefined;
    if (!known) {
      problems.push(`"${key.slice(0, 40)}" is not a filter of the Audit Logs tab (filters: ${SAVED_VIEW_FILTER_KEYS.join(', ')})`);
      continue;
    }
    const values = params.getAll(key);
    if (!known.repeatable && values.length > 1) {
      problems.push(`${key} appears ${values.length} times; it takes one value`);
      continue;
    }
    const checked = known.schema.safeParse(known.repeatable ? values : values[0]);
    if (!checked.success) problems.push(`${key}: ${checked.error.issues[0]?.message ?? 'invalid value'}`);
  }
  return problems;
}

const SavedViewName = printable(z.string().trim().min(1).max(MAX_SAVED_VIEW_NAME)).openapi({
  example: 'Production deletes',
  description: `1–${MAX_SAVED_VIEW_NAME} characters, no control characters; unique per person in the organization, ignoring case`,
});

/** A leading "?" is accepted and dropped: the value is what follows it in the page's address. */
const SavedViewQuery = printable(z.string().max(MAX_SAVED_VIEW_QUERY))
  .transform((query) => (query.startsWith('?') ? query.slice(1) : query))
  .superRefine((query, context) => {
    for (const message of savedQueryProblems(query)) context.addIssue({ code: 'custom', message });
  })
  .openapi({
    example: 'range=30d&action=delete&objectType=argocd_application',
    description: `The Audit Logs tab's filter query string (at most ${MAX_SAVED_VIEW_QUERY} characters): only its filter parameters (${SAVED_VIEW_FILTER_KEYS.join(', ')}), each valid as the API's filters.* parameter it becomes`,
  });

const SavedViewScope = printable(z.string().min(1).max(256)).openapi({
  example: 'organization',
  description: '"organization" (the organization\'s Audit Logs tab) or the id of an instance of the organization (its Audit Logs tab)',
});

export const CreateSavedViewSchema = z
  .strictObject({
    name: SavedViewName,
    query: SavedViewQuery,
    scope: SavedViewScope.default('organization'),
  })
  .openapi('CreateSavedView');

export const UpdateSavedViewSchema = z
  .strictObject({ name: SavedViewName.optional(), query: SavedViewQuery.optional(), scope: SavedViewScope.optional() })
  .refine((body) => body.name !== undefined || body.query !== undefined || body.scope !== undefined, {
    message: 'send at least one of name, query, scope',
  })
  .openapi('UpdateSavedView');

export const SavedViewSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    query: z.string(),
    scope: z.string(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('SavedView');

export const SavedViewListSchema = z.object({ savedViews: z.array(SavedViewSchema) }).openapi('SavedViewList');

export type SavedView = z.infer<typeof SavedViewSchema>;
export type SavedViewInput = z.infer<typeof CreateSavedViewSchema>;
export type SavedViewChanges = z.infer<typeof UpdateSavedViewSchema>;
