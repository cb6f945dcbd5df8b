/**
 * The API's types, inferred from the zod schemas that validate and document it. The dashboard,
 * scripts and tests import these (type-only where their build demands it) instead of restating them.
 */
export type { AuditEvent, AuditLogPage } from './audit-event';
export type { AuditEventInputBody, IngestResult } from './ingest';
export type { ArchiveList, AuditLogArchive, DateParts, PublicKey } from './archive';
export type { ApiKey, CreatedApiKey, CreatedOrganization, Instance, Me, Member, OrganizationSummary, User } from './management';
export type { InstanceType, KeyRole, Role } from './enums';
export type { Problem } from './problem';
