// Sign-in and sign-out. The session itself is an HttpOnly cookie the browser keeps for us,
// so nothing is stored client-side.
import { api, type Fetch } from './api.ts';
import type { Me } from './api-types.ts';
import { forgetInstances } from './instances.ts';
import { forgetMe, rememberMe } from './me.ts';

/** Signs in with an API key; the answer (what GET /me answers) is remembered, and returned. */
export async function signIn(fetchFn: Fetch, apiKey: string): Promise<Me> {
  forgetInstances();
  const me = await api<Me>(fetchFn, '/auth/session', { method: 'POST', body: { apiKey } });
  rememberMe(me);
  return me;
}

export async function signOut(fetchFn: Fetch): Promise<void> {
  try {
    await api<undefined>(fetchFn, '/auth/session', { method: 'DELETE' });
  } finally {
    forgetMe();
    forgetInstances();
  }
}
