/**
 * Audit webhooks (docs/WEBHOOKS.md): configs, dispatch of new events to deliveries, attempts and their retries, history.
 * The only door into this folder for code outside it (.dependency-cruiser.cjs).
 */
export { createConfig, deleteConfig, getConfig, listConfigs, organizationsWithActiveConfigs, updateConfig } from './configs.ts';
export { deliverBatch, type Lane } from './deliver.ts';
export { dispatchOrganization, instancesOf } from './dispatch.ts';
export { getHistory, listHistory, ping, redeliver } from './history.ts';
export { nudgeOrganization } from './nudge.ts';
export { sendDispatch, webhookDeps } from './queues.ts';
export { purgeDeliveryHistory } from './retention.ts';
