/**
 * How people get in (docs/ARCHITECTURE.md, "Sign-in"): invitations, passkeys, organization SSO
 * with its role map, and the short-lived single-use state of sign-in ceremonies (WebAuthn
 * challenges, OpenID Connect state/nonce/PKCE, one-time sign-in links). Main database only.
 */
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { ROLES } from '../../contract/enums.ts';
import { millis } from './columns.ts';
import { organizations, users } from './main.ts';

/** A pending invitation: the link's token is stored hashed and works once, for 7 days. */
export const invitations = sqliteTable(
  'invitations',
  {
    id: text('id').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
    // Lower-cased and NFC-normalised, like users.email; the person signing in must prove it only under enforceSso.
    email: text('email').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    // Who invited (users.id; null for the platform admin token).
    invitedBy: text('invited_by'),
    createdAt: millis('created_at').notNull(),
    expiresAt: millis('expires_at').notNull(),
    acceptedAt: millis('accepted_at'),
    acceptedBy: text('accepted_by'),
    revokedAt: millis('revoked_at'),
  },
  (table) => [index('invitations_org').on(table.organizationId, table.createdAt)],
);

/** A WebAuthn credential (discoverable, user-verified) of one person. */
export const passkeys = sqliteTable(
  'passkeys',
  {
    // pk_<ulid>: the id the API shows and deletes by.
    id: text('id').primaryKey(),
    userId: text('user_id')
      .notNull()
      .references(() => users.id),
    // The authenticator's credential id, base64url: what a sign-in assertion names.
    credentialId: text('credential_id').notNull().unique(),
    // COSE public key, base64url.
    publicKey: text('public_key').notNull(),
    counter: integer('counter').notNull().default(0),
    // JSON array of transports the authenticator reported, for allowCredentials hints.
    transports: text('transports').notNull().default('[]'),
    name: text('name').notNull(),
    createdAt: millis('created_at').notNull(),
    lastUsedAt: millis('last_used_at'),
  },
  (table) => [index('passkeys_user').on(table.userId)],
);

/**
 * One-use state of a sign-in ceremony, keyed by the SHA-256 of a random handle the browser holds
 * in a short-lived HttpOnly cookie (or, for one-time links, in the URL). Deleted when used, so a
 * replay finds nothing. `purpose` says which ceremony; `payload` is its JSON state (challenge,
 * nonce, PKCE verifier, invitation id…).
 */
export const signInChallenges = sqliteTable(
  'sign_in_challenges',
  {
    handleHash: text('handle_hash').primaryKey(),
    purpose: text('purpose', { enum: ['passkey_register', 'passkey_sign_in', 'sso', 'sign_in_link'] }).notNull(),
    organizationId: text('organization_id'),
    userId: text('user_id'),
    payload: text('payload').notNull().default('{}'),
    createdAt: millis('created_at').notNull(),
    expiresAt: millis('expires_at').notNull(),
  },
  (table) => [index('sign_in_challenges_expiry').on(table.expiresAt)],
);

/** An organization's OpenID Connect sign-in, in Akuity's shape (docs/API.md, "SSO"). */
export const ssoConfigurations = sqliteTable('sso_configurations', {
  organizationId: text('organization_id')
    .primaryKey()
    .references(() => organizations.id),
  autoAddMember: integer('auto_add_member', { mode: 'boolean' }).notNull().default(false),
  enforceSso: integer('enforce_sso', { mode: 'boolean' }).notNull().default(false),
  // The `oidc` object of the API without its client secret, as JSON.
  oidcJson: text('oidc_json').notNull(),
  // AES-GCM under SSO_SECRET_KEY, bound to the organization id; null for a public ("front") client. Never returned.
  clientSecretCiphertext: text('client_secret_ciphertext'),
  groupClaims: text('group_claims').notNull().default('["groups"]'),
  // Akuity's oidc-map: { "<role>": "<group>[,<group>…]" } as JSON.
  oidcMapJson: text('oidc_map_json').notNull().default('{}'),
  createdAt: millis('created_at').notNull(),
  updatedAt: millis('updated_at').notNull(),
});

/** The email domains (domain and domainAliases) that lead a sign-in to an organization's SSO: one organization per domain. */
export const ssoDomains = sqliteTable(
  'sso_domains',
  {
    domain: text('domain').primaryKey(),
    organizationId: text('organization_id')
      .notNull()
      .references(() => organizations.id),
  },
  (table) => [index('sso_domains_org').on(table.organizationId)],
);

export type SsoConfigurationRow = typeof ssoConfigurations.$inferSelect;
