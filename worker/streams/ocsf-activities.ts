/**
 * Our actions → each OCSF class's activity_id. Actions are free text from Argo CD, Kargo and this
 * service; they are matched regardless of case, as the API's action filter does. An action no
 * activity fits is Other (99) and keeps its own words as activity_name, so nothing is forced into
 * a verb it did not mean.
 */

export interface Activity {
  id: number;
  name: string;
}

type Table = Record<string, Activity>;

const CREATE = { id: 1, name: 'Create' };
const READ = { id: 2, name: 'Read' };
const UPDATE = { id: 3, name: 'Update' };
const DELETE = { id: 4, name: 'Delete' };

/**
 * API Activity (6003). Export and download read the log. Sync, rollback, promote and approve
 * change what is deployed or where freight may go: updates of the object named. Accepting an
 * invitation updates it. Revoking (a key, an invitation) is recorded as delete already.
 */
const API: Table = {
  create: CREATE,
  read: READ,
  get: READ,
  list: READ,
  export: READ,
  download: READ,
  update: UPDATE,
  patch: UPDATE,
  sync: UPDATE,
  rollback: UPDATE,
  promote: UPDATE,
  approve: UPDATE,
  accept: UPDATE,
  delete: DELETE,
  remove: DELETE,
  revoke: DELETE,
};

/**
 * Account Change (3001) for members and API keys. A role change has no activity of its own in
 * OCSF (Attach Policy is about IAM policy documents), so `update` is Other, named by the action.
 */
const ACCOUNT: Table = {
  create: CREATE,
  delete: { id: 6, name: 'Delete' },
  remove: { id: 6, name: 'Delete' },
  revoke: { id: 6, name: 'Delete' },
};

/** Authentication (3002): a failed sign-in is a Logon whose status is Failure. */
const AUTHENTICATION: Table = {
  sign_in: { id: 1, name: 'Logon' },
  sign_in_failed: { id: 1, name: 'Logon' },
  sign_out: { id: 2, name: 'Logoff' },
};

function lookUp(table: Table, action: string): Activity {
  // Own keys only: an action spelt "constructor" or "__proto__" is not an Object.prototype member.
  const key = action.toLowerCase();
  const known = Object.hasOwn(table, key) ? table[key] : undefined;
  return known ?? { id: 99, name: action === '' ? 'Other' : action };
}

export const apiActivity = (action: string) => lookUp(API, action);
export const accountActivity = (action: string) => lookUp(ACCOUNT, action);

/** The Authentication activity of a sign-in action, or null when the action is not one. */
export function authenticationActivity(action: string): Activity | null {
  return Object.hasOwn(AUTHENTICATION, action) ? (AUTHENTICATION[action] ?? null) : null;
}
