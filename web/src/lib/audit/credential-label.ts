// How an event's actor signed in, as the event details say it, and the search that finds
// everything that one credential did (`credential:<id>` of the search grammar).
import type { AuditEvent } from '#lib/shell/api-types.ts';

type Credential = NonNullable<AuditEvent['credential']>;

const KINDS: Record<Credential['type'], string> = {
  passkey: 'Passkey session',
  sso: 'SSO session',
  access: 'Cloudflare Access session',
  session: 'Session',
  api_key: 'API key',
  admin_token: 'Admin token',
};

/** "Passkey session ses_…", "API key key_…", "Admin token"; null when none was recorded. */
export function credentialLabel(credential: AuditEvent['credential']): string | null {
  if (!credential) return null;
  return credential.type === 'admin_token' ? KINDS.admin_token : `${KINDS[credential.type]} ${credential.id}`;
}

/** The search box's qualifier for one credential, quoted when the id needs it. */
export function credentialQuery(id: string): string {
  return /[\s,"]/.test(id) ? `credential:"${id.replaceAll('"', '')}"` : `credential:${id}`;
}
