// The values the Actor, Action and Object type fields suggest before (or unless) the facets
// answer: the product's known ones and those of the loaded rows.
import type { AuditEvent, Instance } from '../shell/api-types.ts';

const unique = (values: Iterable<string>): string[] => [...new Set(values)].filter(Boolean).sort();

export function knownValues(
  events: readonly AuditEvent[],
  instance: Instance | undefined,
): { actors: string[]; actions: string[]; objectTypes: string[] } {
  return {
    actors: unique(events.map((event) => event.actor.id)),
    actions: unique([
      ...['create', 'update', 'delete', 'sync', 'rollback', 'promote', 'export', 'download'],
      ...events.map((event) => event.action),
    ]),
    objectTypes: unique([
      ...(instance ? [] : ['organization', 'member', 'api_key', 'audit_log_archive']),
      ...(instance?.type !== 'kargo' ? ['argocd_instance', 'argocd_application', 'argocd_cluster', 'argocd_project'] : []),
      ...(instance?.type !== 'argocd' ? ['kargo_instance', 'kargo_project', 'kargo_promotion', 'kargo_freight', 'kargo_agent'] : []),
      ...events.map((event) => event.object.type),
    ]),
  };
}
