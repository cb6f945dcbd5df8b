/**
 * A real OpenID provider (panva's certified `oidc-provider`) for tests and local runs, on
 * 127.0.0.1. PKCE is required; a confidential client (client_secret_basic) and a public client.
 * No devInteractions: our own small interaction route logs in
 *  - non-interactively with GET /interaction/<uid>?account=<id> (tests following redirects by hand);
 *  - interactively with its own HTML form, username + password (Chromium tests, demo users); the
 *    authorization request's login_hint fills in the username, never logs in by itself.
 * Consent is skipped for the configured (first-party) clients.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Adapter, type AdapterPayload, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';

export interface DemoAccount {
  password: string;
  email: string;
  email_verified: boolean;
  name: string;
  groups: string[];
}

/** The provider's confidential client (client_secret_basic): what `npm start` configures for Acme. */
export const CONFIDENTIAL_CLIENT = { id: 'audit-logs', secret: 'audit-logs-client-secret-0123456789' };
const PUBLIC_CLIENT_ID = 'audit-logs-public';

/** The demo people of `npm start` and the browser tests. */
export const DEMO_ACCOUNTS: Record<string, DemoAccount> = {
  alice: { password: 'alice-password', email: 'alice@example.com', email_verified: true, name: 'Alice', groups: ['audit-admins'] },
  bob: { password: 'bob-password', email: 'bob@example.com', email_verified: true, name: 'Bob', groups: ['engineering'] },
  audra: { password: 'audra-password', email: 'audra@example.com', email_verified: true, name: 'Audra', groups: ['auditors'] },
  carol: { password: 'carol-password', email: 'carol@example.com', email_verified: true, name: 'Carol', groups: ['developers'] },
  dave: { password: 'dave-password', email: 'dave@example.com', email_verified: true, name: 'Dave', groups: ['developers'] },
  erin: { password: 'erin-password', email: 'erin@example.com', email_verified: true, name: 'Erin', groups: ['developers'] },
};

/** The role map matching the demo people's groups (alice owner, bob admin, audra auditor, the rest members). */
export const DEMO_OIDC_MAP = { owner: 'audit-admins', admin: 'engineering', auditor: 'auditors', member: 'developers' };

export interface RunningProvider {
  issuer: string;
  /** The provider's signing key (private JWK): only for tests that forge tokens the provider itself would sign. */
  signingKey: JWK;
  stop(): Promise<void>;
}

export interface ProviderOptions {
  port?: number;
  redirectUris: string[];
  accounts: Record<string, DemoAccount>;
  /** Accounts made up on the fly (tests: an id that encodes its own claims). */
  findExtraAccount?: (id: string) => DemoAccount | undefined;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function loginPage(uid: string, username: string, error: string): string {
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>Sign in to the demo identity provider</title>
<body style="font-family:system-ui;max-width:24rem;margin:4rem auto">
<h1>Demo identity provider</h1>
<form method="post" action="/interaction/${escapeHtml(uid)}">
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ''}
<p><label>Username <input name="username" autocomplete="username" value="${escapeHtml(username)}"></label></p>
<p><label>Password <input name="password" type="password" autocomplete="current-password"></label></p>
<button type="submit">Sign in</button></form></body></html>`;
}

type Stored = { payload: AdapterPayload; expiresAt: number };

/**
 * The provider's storage, in this process's memory (what its development adapter does, minus the
 * warning it prints on every start): sessions, codes, grants, for one run of the tests or npm start.
 */
class MemoryAdapter implements Adapter {
  private static readonly rows = new Map<string, Stored>();
  private readonly model: string;
  constructor(model: string) {
    this.model = model;
  }
  private key = (id: string) => `${this.model}:${id}`;
  private live(stored: Stored | undefined): AdapterPayload | undefined {
    return stored && stored.expiresAt > Date.now() ? stored.payload : undefined;
  }
  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    MemoryAdapter.rows.set(this.key(id), { payload, expiresAt: Date.now() + expiresIn * 1000 });
  }
  async find(id: string): Promise<AdapterPayload | undefined> {
    return this.live(MemoryAdapter.rows.get(this.key(id)));
  }
  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    for (const [key, stored] of MemoryAdapter.rows)
      if (key.startsWith(`${this.model}:`) && stored.payload.uid === uid) return this.live(stored);
    return undefined;
  }
  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    for (const [key, stored] of MemoryAdapter.rows)
      if (key.startsWith(`${this.model}:`) && stored.payload.userCode === userCode) return this.live(stored);
    return undefined;
  }
  async consume(id: string): Promise<void> {
    const stored = MemoryAdapter.rows.get(this.key(id));
    if (stored) stored.payload.consumed = Math.floor(Date.now() / 1000);
  }
  async destroy(id: string): Promise<void> {
    MemoryAdapter.rows.delete(this.key(id));
  }
  async revokeByGrantId(grantId: string): Promise<void> {
    for (const [key, stored] of MemoryAdapter.rows) if (stored.payload.grantId === grantId) MemoryAdapter.rows.delete(key);
  }
}

/** Longer than 80 lines: one provider configuration, kept whole so it reads as the provider's setup. */
export async function startOidcProvider(options: ProviderOptions): Promise<RunningProvider> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey: JWK = { ...(await exportJWK(privateKey)), kid: 'demo-rs256', alg: 'RS256', use: 'sig' };
  const account = (id: string) => options.accounts[id] ?? options.findExtraAccount?.(id);
  const accountByName = (name: string) =>
    Object.keys(options.accounts).find((id) => id === name || options.accounts[id]?.email === name) ?? (account(name) ? name : undefined);

  const configuration: Configuration = {
    adapter: MemoryAdapter,
    clients: [
      {
        client_id: CONFIDENTIAL_CLIENT.id,
        client_secret: CONFIDENTIAL_CLIENT.secret,
        token_endpoint_auth_method: 'client_secret_basic',
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
      {
        client_id: PUBLIC_CLIENT_ID,
        token_endpoint_auth_method: 'none',
        redirect_uris: options.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(24).toString('base64url')] },
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile', 'groups'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    // The scopes' claims go into the ID token too (as Okta, Entra ID and Google put them), not only userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const found = account(sub);
      if (!found) return undefined;
      return {
        accountId: sub,
        async claims() {
          return { sub, email: found.email, email_verified: found.email_verified, name: found.name, groups: found.groups };
        },
      };
    },
    // First-party clients: grant what they ask for, no consent screen.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const session = ctx.oidc.session;
      const clientId = ctx.oidc.client?.clientId;
      if (!session?.accountId || !clientId) return undefined;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(clientId);
      if (grantId) {
        const grant = await ctx.oidc.provider.Grant.find(grantId);
        if (grant) return grant;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile groups');
      await grant.save();
      return grant;
    },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AuthorizationCode: 60, AccessToken: 600, IdToken: 600 },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  async function interaction(req: IncomingMessage, res: ServerResponse, url: URL) {
    const details = await provider.interactionDetails(req, res);
    let accountId = url.searchParams.get('account') ?? undefined;
    let error = '';
    let username = typeof details.params.login_hint === 'string' ? details.params.login_hint : '';
    if (!accountId && req.method === 'POST') {
      const form = new URLSearchParams(await readBody(req));
      username = form.get('username') ?? '';
      const id = accountByName(username);
      if (id && account(id)?.password === form.get('password')) accountId = id;
      else error = 'Wrong username or password';
    }
    if (accountId && account(accountId)) {
      await provider.interactionFinished(req, res, { login: { accountId } }, { mergeWithLastSubmission: false });
      return;
    }
    res.writeHead(error ? 401 : 200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(loginPage(details.uid, username, error));
  }

  server.on('request', (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    if (!url.pathname.startsWith('/interaction/')) return callback(req, res);
    interaction(req, res, url).catch((e: unknown) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
  });

  return {
    issuer,
    signingKey,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
