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
