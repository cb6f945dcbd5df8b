// Response shapes of the Worker's /api/v1 endpoints. The Worker owns the contract; keep these
// in step with it rather than widening them here.

// Only "owner" changes what the UI shows; other roles pass through untouched.
export type OrganizationRole = 'owner' | (string & {});

export interface User {
  id: string;
  email: string;
  name: string;
}

export interface Organization {
  id: string;
  name: string;
  role: OrganizationRole;
}

export interface MeResponse {
  user: User;
  organizations: Organization[];
}

export type InstanceType = 'argocd' | 'kargo';

export interface Instance {
  id: string;
  type: InstanceType;
  name: string;
  /** ISO 8601 timestamp. */
  createdAt: string;
}

export interface InstancesResponse {
  instances: Instance[];
}

/** One audit event (DESIGN §5). Missing strings arrive as "", never undefined. */
export interface AuditEvent {
  id: string;
  organizationId: string;
  instanceId: string | null;
  /** ISO 8601, UTC. */
  timestamp: string;
  action: string;
  actor: { type: string; id: string; ip: string };
  object: {
    type: string;
    id: { name: string; kind: string; group: string };
    parentId: { name: string; parentName: string; applicationName: string };
  };
  details: { message: string; patch: string; actionType: string; [extra: string]: unknown };
  count: number;
  lastOccurredTimestamp: string;
}

export interface AuditLogPage {
  items: AuditEvent[];
  totalCount: number;
  nextCursor: string | null;
}

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

export interface AuditLogArchive {
  startDate: DateParts;
  endDate: DateParts;
  /** Absolute, signed link (15 minutes) that downloads the ZIP with no other credential. */
  presignedUrl: string;
  presignedUrlExpiration: string;
  records: number;
  bytes: number;
  sha256: string;
  revision: number;
  manifestUrl: string;
  signatureUrl: string;
}

export interface ArchivesResponse {
  archives: AuditLogArchive[];
  totalArchivesCount: number;
}
