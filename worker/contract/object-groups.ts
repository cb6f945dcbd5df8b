/**
 * Akuity's object filter groups (`filters.<group>.<field>`): each group selects one object type,
 * named like the group in snake_case and in the singular. The names and fields are Akuity's
 * `AuditFilters`/`ObjectFilter` messages, so an unchanged Akuity client's query means the same here.
 */
export const OBJECT_GROUPS = {
  k8sResource: 'k8s_resource',
  argocdApplication: 'argocd_application',
  argocdCluster: 'argocd_cluster',
  argocdInstance: 'argocd_instance',
  argocdProject: 'argocd_project',
  member: 'member',
  organizationInvite: 'organization_invite',
  kargoInstance: 'kargo_instance',
  kargoAgent: 'kargo_agent',
  kargoPromotion: 'kargo_promotion',
  kargoFreight: 'kargo_freight',
  customRoles: 'custom_role',
  notificationCfg: 'notification_config',
  apiKeys: 'api_key',
  addons: 'addon',
  addonRepos: 'addon_repo',
  addonMarketplaceInstall: 'addon_marketplace_install',
  workspace: 'workspace',
  workspaceMember: 'workspace_member',
  organization: 'organization',
} as const;

export type ObjectGroup = keyof typeof OBJECT_GROUPS;
export const OBJECT_GROUP_NAMES = Object.keys(OBJECT_GROUPS) as ObjectGroup[];

/** The repeatable text fields of a group, and the event field each one matches. */
export const GROUP_TEXT_FIELDS = {
  objectName: 'object.id.name',
  objectKind: 'object.id.kind',
  objectGroup: 'object.id.group',
  objectNamespace: 'object.id.namespace',
  objectParentName: 'object.parentId.name',
  objectParentParentName: 'object.parentId.parentName',
  objectParentApplicationName: 'object.parentId.applicationName',
  objectParentKargoProjectName: 'object.parentId.kargoProjectName',
} as const;

export type GroupTextField = keyof typeof GROUP_TEXT_FIELDS;
export const GROUP_TEXT_FIELD_NAMES = Object.keys(GROUP_TEXT_FIELDS) as GroupTextField[];

/** The boolean fields of a group. */
export const GROUP_FLAG_FIELDS = ['enabled', 'includeChildObjects'] as const;
export type GroupFlagField = (typeof GROUP_FLAG_FIELDS)[number];

/** snake_case → camelCase (`object_parent_name` → `objectParentName`); camelCase stays as it is. */
export function camelCase(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}
