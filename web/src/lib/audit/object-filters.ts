// The Audit Logs view's object filters: the questions an Argo CD or Kargo operator asks first
// ("what happened to application X?", "which promotions ran in Kargo project P?"), as short URL
// parameters that become Akuity's object filter groups (`filters.<group>.<field>`). One table says
// which group and field each one is; docs/DASHBOARD.md repeats it for people.
import type { AuditEvent, GroupTextField, ObjectGroup } from '../shell/api-types.ts';

export type ObjectFieldKey = 'app' | 'project' | 'cluster' | 'namespace' | 'kargoProject' | 'stage';

export interface ObjectField {
  /** The dashboard URL's parameter. */
  key: ObjectFieldKey;
  label: string;
  placeholder: string;
  group: ObjectGroup;
  field: GroupTextField;
  /** Whether "include child objects" applies (the group is selected by object name). */
  hasChildren: boolean;
}

export const OBJECT_FIELDS: readonly ObjectField[] = [
  { key: 'app', label: 'Application', placeholder: 'guestbook', group: 'argocdApplication', field: 'objectName', hasChildren: true },
  { key: 'project', label: 'Argo CD project', placeholder: 'default', group: 'argocdProject', field: 'objectName', hasChildren: true },
  { key: 'cluster', label: 'Cluster', placeholder: 'prod-us-east-1', group: 'argocdCluster', field: 'objectName', hasChildren: true },
  { key: 'namespace', label: 'Namespace', placeholder: 'Any', group: 'k8sResource', field: 'objectNamespace', hasChildren: false },
  {
    key: 'kargoProject',
    label: 'Kargo project',
    placeholder: 'storefront',
    group: 'kargoPromotion',
    field: 'objectParentKargoProjectName',
    hasChildren: false,
  },
  { key: 'stage', label: 'Kargo stage', placeholder: 'prod', group: 'kargoPromotion', field: 'objectParentName', hasChildren: false },
];

export type ObjectFilters = Record<ObjectFieldKey, string[]> & {
  /** Also events of objects inside the named applications, projects and clusters (their resources). */
  children: boolean;
};

const NO_OBJECT_FILTERS: ObjectFilters = {
  app: [],
  project: [],
  cluster: [],
  namespace: [],
  kargoProject: [],
  stage: [],
  children: false,
};

const list = (params: URLSearchParams, name: string): string[] =>
  params
    .getAll(name)
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter((value) => value !== '');

export function parseObjectFilters(params: URLSearchParams): ObjectFilters {
  const filters: ObjectFilters = { ...NO_OBJECT_FILTERS };
  for (const { key } of OBJECT_FIELDS) filters[key] = list(params, key);
  filters.children = params.get('children') === '1' && hasObjectNames(filters);
  return filters;
}

/** Appends the object filters to a dashboard query string (defaults left out). */
export function writeObjectFilters(filters: ObjectFilters, params: URLSearchParams): void {
  for (const { key } of OBJECT_FIELDS) for (const value of filters[key]) params.append(key, value);
  if (filters.children && hasObjectNames(filters)) params.set('children', '1');
}

/** Whether any field names an object ("include child objects" alone narrows nothing). */
export function activeObjectFilters(filters: ObjectFilters): number {
  return OBJECT_FIELDS.filter(({ key }) => filters[key].length > 0).length;
}

function hasObjectNames(filters: ObjectFilters): boolean {
  return OBJECT_FIELDS.some(({ key, hasChildren }) => hasChildren && filters[key].length > 0);
}

/**
 * The API's `filters.<group>.<field>` parameters. Fields of one group must all hold (Kargo project
 * and stage: promotions to that stage in that project); different groups add up (an application
 * and a cluster: the events of either).
 */
export function objectFilterParams(filters: ObjectFilters, params: URLSearchParams): void {
  const childGroups = new Set<ObjectGroup>();
  for (const { key, group, field, hasChildren } of OBJECT_FIELDS) {
    for (const value of filters[key]) params.append(`filters.${group}.${field}`, value);
    if (hasChildren && filters.children && filters[key].length > 0) childGroups.add(group);
  }
  for (const group of childGroups) params.set(`filters.${group}.includeChildObjects`, 'true');
}

/** Values for the fields' suggestions, from the rows on screen. */
export function objectSuggestions(events: readonly AuditEvent[]): Record<ObjectFieldKey, string[]> {
  const found: Record<ObjectFieldKey, Set<string>> = {
    app: new Set(),
    project: new Set(),
    cluster: new Set(),
    namespace: new Set(),
    kargoProject: new Set(),
    stage: new Set(),
  };
  for (const { object } of events) {
    if (object.type === 'argocd_application') found.app.add(object.id.name);
    if (object.type === 'argocd_project') found.project.add(object.id.name);
    if (object.type === 'argocd_cluster') found.cluster.add(object.id.name);
    if (object.type === 'kargo_promotion') found.stage.add(object.parentId.name);
    if (object.id.namespace) found.namespace.add(object.id.namespace);
    if (object.parentId.kargoProjectName) found.kargoProject.add(object.parentId.kargoProjectName);
    if (object.parentId.applicationName) found.app.add(object.parentId.applicationName);
  }
  const sorted = (values: Set<string>): string[] => [...values].filter(Boolean).sort();
  return {
    app: sorted(found.app),
    project: sorted(found.project),
    cluster: sorted(found.cluster),
    namespace: sorted(found.namespace),
    kargoProject: sorted(found.kargoProject),
    stage: sorted(found.stage),
  };
}
