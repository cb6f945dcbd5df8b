import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, SignJWT } from 'jose';
import type { TestProject } from 'vitest/node';
import { DEMO_ACCOUNTS, type DemoAccount, startOidcProvider } from '../../scripts/lib/oidc-provider.ts';

/** Where the Worker under test answers (test/helpers/api.ts): the provider's registered redirect URI. */
const REDIRECT_URI = 'http://localhost:8787/api/v1/auth/sso/callback';

/**
 * Test accounts beyond the demo people: an account id `x.<base64url JSON>` carries its own claims,
 * so each test signs in people of its own (unique) domain without telling the provider first.
 */
function accountFromId(id: string): DemoAccount | undefined {
  if (!id.startsWith('x.')) return undefined;
  try {
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(id.slice(2)))) as Partial<DemoAccount>;
    return {
      password: 'x',
      email: String(claims.email),
      email_verified: claims.email_verified === true,
      name: claims.name ?? 'Test',
      groups: claims.groups ?? [],
    };
  } catch {
    return undefined;
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function decodePayload(jwt: string): JWTPayload {
  return JSON.parse(new TextDecoder().decode(base64url.decode(jwt.split('.')[1] ?? ''))) as JWTPayload;
}

/**
 * A real OpenID provider (scripts/lib/oidc-provider.ts) and, beside it, the test server:
 *  - `/token/<mode>`: a tampering proxy in front of the provider's real token endpoint (an SSO
 *    configuration points its tokenEndpoint here) that rewrites the ID token the way an attacker
 *    or a broken provider would (`alg: none`, wrong iss/aud/nonce, expired, signed by a foreign
 *    key); `pass` changes nothing. The real provider cannot issue such tokens itself.
 *  - Cloudflare Access's side: its team keys at `/cdn-cgi/access/certs` and `POST /sign` that
 *    signs the claims it is sent (`?key=foreign` with a key Access never published, `?alg=none` unsigned).
 */
export default async function setup(project: TestProject) {
  const provider = await startOidcProvider({ redirectUris: [REDIRECT_URI], accounts: DEMO_ACCOUNTS, findExtraAccount: accountFromId });
  const providerKey = await importJWK(provider.signingKey, 'RS256');
  const foreign = await generateKeyPair('RS256', { extractable: true });
  const access = await generateKeyPair('RS256', { extractable: true });
  const accessJwk: JWK = { ...(await exportJWK(access.publicKey)), kid: 'access-test', alg: 'RS256', use: 'sig' };
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const unsigned = (payload: JWTPayload) =>
    `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${base64url.encode(JSON.stringify(payload))}.`;

  async function tamper(idToken: string, mode: string): Promise<string> {
    const payload = decodePayload(idToken);
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: JWTPayload, key: CryptoKey | Uint8Array | JWK = providerKey as CryptoKey) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'demo-rs256' }).sign(key as CryptoKey);
    if (mode === 'alg-none') return unsigned(payload);
    if (mode === 'wrong-iss') return sign({ ...payload, iss: 'https://evil.example.net' });
    if (mode === 'wrong-aud') return sign({ ...payload, aud: 'someone-else' });
    if (mode === 'wrong-nonce') return sign({ ...payload, nonce: 'not-the-nonce' });
    if (mode === 'expired') return sign({ ...payload, iat: now - 7200, exp: now - 3600 });
    if (mode === 'foreign-key') return sign(payload, foreign.privateKey);
    return idToken;
  }

  async function tokenProxy(req: IncomingMessage, res: ServerResponse, mode: string) {
    const body = await readBody(req);
    const headers: Record<string, string> = {};
    for (const name of ['authorization', 'content-type', 'accept']) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const answer = await fetch(`${provider.issuer}/token`, { method: req.method, headers, body: new Uint8Array(body) });
    const text = await answer.text();
    let out = text;
    if (answer.ok) {
      const json = JSON.parse(text) as { id_token?: string };
      if (json.id_token) json.id_token = await tamper(json.id_token, mode);
      out = JSON.stringify(json);
    }
    res.writeHead(answer.status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(out);
  }

  async function signAccess(req: IncomingMessage, res: ServerResponse, url: URL) {
    const claims = JSON.parse((await readBody(req)).toString('utf8')) as JWTPayload;
    const now = Math.floor(Date.now() / 1000);
    const payload = { iss: base, aud: ['test-access-audience'], iat: now, exp: now + 600, ...claims };
    const token =
      url.searchParams.get('alg') === 'none'
        ? unsigned(payload)
        : await new SignJWT(payload)
            .setProtectedHeader({ alg: 'RS256', kid: 'access-test' })
            .sign(url.searchParams.get('key') === 'foreign' ? foreign.privateKey : access.privateKey);
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(token);
  }

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', base);
    const handle = async () => {
      if (url.pathname.startsWith('/token/')) return tokenProxy(req, res, url.pathname.slice('/token/'.length));
      if (url.pathname === '/cdn-cgi/access/certs') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(JSON.stringify({ keys: [accessJwk] }));
      }
      if (url.pathname === '/sign' && req.method === 'POST') return signAccess(req, res, url);
      res.writeHead(404);
      res.end();
    };
    handle().catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });

  project.provide('oidcIssuer', provider.issuer);
  project.provide('oidcTestServer', base);
  project.provide('accessTeamDomain', new URL(base).host);
  return async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await provider.stop();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    oidcIssuer: string;
    oidcTestServer: string;
    accessTeamDomain: string;
  }
}
