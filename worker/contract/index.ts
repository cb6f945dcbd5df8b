/**
 * The API's types, inferred from the zod schemas that validate and document it. The dashboard,
 * scripts and tests import these (type-only where their build demands it) instead of restating them.
 */

export type { ArchiveList, AuditLogArchive, DateParts, PublicKey } from './archive.ts';
export type { AuditEvent, AuditLogPage } from './audit-event.ts';
export type { Facet, InstanceType, KeyRole, Role } from './enums.ts';
export type { FacetValues } from './facets.ts';
export type { AuditLogHistogram, HistogramUnit } from './histogram.ts';
export type { AuditEventInputBody, IngestResult } from './ingest.ts';
export type { ApiKey, CreatedApiKey, CreatedOrganization, Instance, Me, Member, OrganizationSummary, User } from './management.ts';
export type {
  DeliveryHistory,
  DeliveryHistoryList,
  DeliveryStatus,
  NotificationConfig,
  WebhookBody,
  WebhookFilter,
} from './notification-configs.ts';
export type { OrganizationMove } from './organization-move.ts';
export type { Problem } from './problem.ts';
export type { SavedView } from './saved-views.ts';
export type { StreamPage } from './stream.ts';
