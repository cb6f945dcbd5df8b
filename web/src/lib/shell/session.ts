// Sign-in and sign-out. The session itself is an HttpOnly cookie the browser keeps for us,
// so nothing is stored client-side.
import { api, type Fetch } from './api.ts';
import type { Me } from './api-types.ts';
import { forgetInstances } from './instances.ts';
import { forgetMe, rememberMe } from './me.ts';

export async function signIn(fetchFn: Fetch, apiKey: string): Promise<void> {
  forgetInstances();
  rememberMe(await api<Me>(fetchFn, '/auth/session', { method: 'POST', body: { apiKey } }));
}

export async function signOut(fetchFn: Fetch): Promise<void> {
  try {
    await api<undefined>(fetchFn, '/auth/session', { method: 'DELETE' });
  } finally {
    forgetMe();
    forgetInstances();
  }
}
