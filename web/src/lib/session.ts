// Sign-in and sign-out. The session itself is an HttpOnly cookie the browser keeps for us,
// so nothing is stored client-side.
import { api, type Fetch } from './api.ts';

export async function signIn(fetchFn: Fetch, apiKey: string): Promise<void> {
  await api<unknown>(fetchFn, '/auth/session', { method: 'POST', body: { apiKey } });
}

export async function signOut(fetchFn: Fetch): Promise<void> {
  await api<undefined>(fetchFn, '/auth/session', { method: 'DELETE' });
}
