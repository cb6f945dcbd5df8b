import { eq } from 'drizzle-orm';
import { sha256Hex } from '../../auth/secrets.ts';
import type { Database } from '../../db/client.ts';
import { apiKeys } from '../../db/schema.ts';
import { keysQuery } from './credentials.ts';
import { recordSignInFailed } from './sign-in-events.ts';

/**
 * A refused API-key sign-in (POST /auth/session) whose key is found — revoked, expired, an ingest
 * key, a service key, a leaver's key, an organization that enforces SSO — is recorded as
 * `sign_in_failed` in the key's organization, with the key as the credential and `reason` the
 * refusal's own words. A secret that matches no key names no organization: nothing is recorded
 * (the attempt is only charged to the rate limit). Returns whether an event was queued.
 */
export async function recordApiKeySignInFailed(
  db: Database,
  secret: string,
  reason: string,
  context: { ip: string | null; now: number },
): Promise<boolean> {
  const [key] = await keysQuery(db)
    .where(eq(apiKeys.secretHash, await sha256Hex(secret)))
    .limit(1);
  if (!key) return false;
  const person = key.userId !== null && key.userEmail !== null;
  await recordSignInFailed(
    db,
    key.organizationId,
    {
      actorType: person ? 'user' : 'api_key',
      actorId: person ? (key.userEmail as string) : key.id,
      method: 'api_key',
      reason,
      credential: { type: 'api_key', id: key.id },
    },
    context,
  );
  return true;
}
