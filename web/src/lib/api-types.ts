// The dashboard's view of the API: every shape is the Worker's own, inferred from the zod schemas
// in worker/contract (type-only: nothing of the Worker is bundled into the dashboard).
import type {
  ArchiveList,
  AuditLogHistogram,
  AuditEvent,
  AuditLogArchive,
  AuditLogPage,
  DateParts,
  Facet,
  FacetValues,
  HistogramUnit,
  Instance,
  InstanceType,
  KeyRole,
  Me,
  OrganizationSummary,
  PublicKey,
  User,
} from '../../../worker/contract/index.ts';

export type {
  AuditEvent,
  AuditLogArchive,
  AuditLogHistogram,
  AuditLogPage,
  DateParts,
  Facet,
  FacetValues,
  HistogramUnit,
  Instance,
  InstanceType,
  Me,
  PublicKey,
  User,
};
export type {
  DeliveryAttempt,
  DeliveryHistory,
  DeliveryHistoryList,
  DeliveryStatus,
  NotificationConfig,
  WebhookFilter,
} from '../../../worker/contract/index.ts';

export type OrganizationRole = KeyRole;
export type Organization = OrganizationSummary;
/** The dashboard signs in with user-bound keys only, so its `/me` always names a user. */
export type MeResponse = Me & { user: User };
export type ArchivesResponse = ArchiveList;

export interface InstancesResponse {
  instances: Instance[];
}
