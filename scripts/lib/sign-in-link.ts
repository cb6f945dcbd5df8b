import { ApiClient } from './api-client.ts';

/**
 * A one-time sign-in link for an existing person (POST /api/v1/auth/sign-in-links, platform admin
 * token only): 15 minutes, single use, its token in the URL's fragment (docs/API.md).
 */
export async function oneTimeSignInLink(baseUrl: string, adminToken: string, email: string): Promise<string> {
  const admin = new ApiClient(baseUrl, adminToken);
  const { url } = (await admin.post<{ url: string; expiresAt: string }>('/api/v1/auth/sign-in-links', { email })).body;
  return url;
}
