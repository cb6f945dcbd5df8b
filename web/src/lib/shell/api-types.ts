// The dashboard's view of the API: every shape is the Worker's own, inferred from the zod schemas
// in worker/contract (type-only: nothing of the Worker is bundled into the dashboard).

import type { CheckpointList } from '../../../../worker/contract/checkpoints.ts';
import type {
  ApiKey,
  ArchiveList,
  AuditEvent,
  AuditLogArchive,
  AuditLogHistogram,
  AuditLogPage,
  CreatedApiKey,
  DateParts,
  Facet,
  FacetValues,
  HistogramUnit,
  Instance,
  InstanceType,
  KeyRole,
  Me,
  Member,
  OrganizationSummary,
  PublicKey,
  Role,
  User,
} from '../../../../worker/contract/index.ts';
import type { GroupTextField, ObjectGroup } from '../../../../worker/contract/object-groups.ts';
import type { AuditLogSettings, AuditLogSettingsChange } from '../../../../worker/contract/settings.ts';

export type {
  DeliveryHistory,
  DeliveryHistoryList,
  DeliveryStatus,
  NotificationConfig,
  WebhookFilter,
} from '../../../../worker/contract/index.ts';
export type {
  LogStream,
  LogStreamDelivery,
  LogStreamTestResult,
  StreamType,
} from '../../../../worker/contract/log-streams.ts';
export type {
  ApiKey,
  AuditEvent,
  AuditLogArchive,
  AuditLogHistogram,
  AuditLogPage,
  AuditLogSettings,
  AuditLogSettingsChange,
  CreatedApiKey,
  DateParts,
  Facet,
  FacetValues,
  GroupTextField,
  HistogramUnit,
  Instance,
  InstanceType,
  KeyRole,
  Me,
  Member,
  ObjectGroup,
  PublicKey,
  Role,
  User,
};

export type Organization = OrganizationSummary;
/** The dashboard signs in with user-bound keys only, so its `/me` always names a user. */
export type MeResponse = Me & { user: User };
export type ArchivesResponse = ArchiveList;
export type AuditLogCheckpoint = CheckpointList['checkpoints'][number];

export interface InstancesResponse {
  instances: Instance[];
}

export interface MembersResponse {
  members: Member[];
}

export interface ApiKeysResponse {
  apiKeys: ApiKey[];
}
