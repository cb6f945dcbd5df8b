/**
 * Organizations, their instances and their audit-log settings.
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */
export {
  createInstance,
  deleteInstance,
  getInstance,
  instanceEverExisted,
  instanceExists,
  listInstances,
  resolveFilters,
} from './instances.ts';
export { createOrganization, findUserByEmail, getOrganization } from './organizations.ts';
export { allSettings, defaultSettings, getSettings, updateSettings } from './settings.ts';
