import { z } from '@hono/zod-openapi';
import { hasNoControlCharacters } from './control-characters.ts';

/** Limits of an SSO configuration (docs/SSO.md). */
const MAX_URL = 2048;
const MAX_DOMAINS = 50;
const MAX_SCOPES = 20;
const MAX_GROUP_CLAIMS = 10;

/** A URL field; whether it may be plain http is the deployment's rule (ALLOW_INSECURE_SSO), checked by the service. */
const Url = z.string().trim().min(1).max(MAX_URL).openapi({ example: 'https://login.example.com/.well-known/openid-configuration' });

/** A DNS name of an email domain, compared lower-case; the service refuses a domain another organization has. */
const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .max(253)
  .regex(
    /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/,
    'must be a DNS name such as example.com (lower-case letters, digits, hyphens, at least one dot)',
  )
  .openapi({ example: 'example.com' });

/** An OAuth scope or claim name: printable ASCII without spaces or quotes. */
const Token = (what: string) =>
  z
    .string()
    .min(1)
    .max(128)
    .regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/, `must be a ${what}: printable ASCII without spaces, quotes or backslashes`);

const BackInput = z
  .strictObject({
    clientSecret: z
      .string()
      .min(1)
      .max(4096)
      .refine(hasNoControlCharacters, 'must not contain control characters')
      .optional()
      .openapi({ description: 'Write-only. Left out of a PUT: the stored secret is kept.' }),
    issuer: Url.optional(),
    authorizationEndpoint: Url.optional(),
    tokenEndpoint: Url.optional(),
    jwksUri: Url.optional(),
  })
  .openapi({ description: 'A confidential client (client_secret_basic). Endpoints left out come from discoveryUrl.' });

const FrontInput = z
  .strictObject({ issuer: Url.optional(), authorizationEndpoint: Url.optional(), jwksUri: Url.optional() })
  .openapi({ description: 'A public client: PKCE only, no secret. Endpoints left out come from discoveryUrl.' });

const OidcInput = z
  .strictObject({
    discoveryUrl: Url.openapi({ description: "The provider's issuer or its /.well-known/openid-configuration" }),
    clientId: z.string().trim().min(1).max(512).refine(hasNoControlCharacters, 'must not contain control characters'),
    domain: Domain,
    domainAliases: z.array(Domain).max(MAX_DOMAINS).default([]),
    back: BackInput.optional(),
    front: FrontInput.optional(),
    scopes: z
      .array(Token('scope'))
      .max(MAX_SCOPES)
      .default([])
      .openapi({ description: 'Scopes besides openid and email (always requested), e.g. ["profile", "groups"]' }),
  })
  .superRefine((oidc, context) => {
    if ((oidc.back === undefined) === (oidc.front === undefined)) {
      context.addIssue({
        code: 'custom',
        path: ['back'],
        message: 'exactly one of back (confidential client) or front (public client) is required',
      });
    }
  });

export const SsoConfigurationInput = z
  .strictObject({
    autoAddMember: z.boolean().default(false).openapi({ description: 'A verified email of the domain that is no member yet becomes one' }),
    oidc: OidcInput,
    groupClaims: z.array(Token('claim name')).max(MAX_GROUP_CLAIMS).default(['groups']),
    enforceSso: z.boolean().default(false).openapi({ description: 'Members reach the organization only through this SSO' }),
  })
  .openapi('SsoConfigurationInput');

const Endpoints = {
  issuer: z.string().optional(),
  authorizationEndpoint: z.string().optional(),
  jwksUri: z.string().optional(),
};

export const SsoConfigurationSchema = z
  .object({
    autoAddMember: z.boolean(),
    oidc: z.object({
      discoveryUrl: z.string(),
      clientId: z.string(),
      domain: z.string(),
      domainAliases: z.array(z.string()),
      back: z.object({ ...Endpoints, tokenEndpoint: z.string().optional() }).optional(),
      front: z.object(Endpoints).optional(),
      scopes: z.array(z.string()),
    }),
    groupClaims: z.array(z.string()),
    enforceSso: z.boolean(),
  })
  .openapi('SsoConfiguration', { description: 'The configuration as stored; the client secret is never returned.' });

export type SsoConfigurationChange = z.infer<typeof SsoConfigurationInput>;
export type SsoConfiguration = z.infer<typeof SsoConfigurationSchema>;

/** Groups as Akuity writes them: comma-separated names, e.g. "audit-admins,platform". */
const Groups = z.string().trim().max(2000).refine(hasNoControlCharacters, 'must not contain control characters');

/** Akuity's oidc-map: for each role, the groups that give it. */
export const OidcMapSchema = z
  .strictObject({
    entries: z.strictObject({ owner: Groups.optional(), admin: Groups.optional(), auditor: Groups.optional(), member: Groups.optional() }),
  })
  .openapi('OidcMap');

export type OidcMap = z.infer<typeof OidcMapSchema>;

/** Query of GET /auth/sso/start. */
export const SsoStartQuery = z.object({
  email: z.string().max(320).optional(),
  organizationId: z.string().max(256).optional(),
  invitation: z.string().max(256).optional(),
  test: z.enum(['1']).optional(),
});

/** Query of GET /auth/sso/callback (the provider's answer). */
export const SsoCallbackQuery = z.object({
  code: z.string().max(4096).optional(),
  state: z.string().max(1024).optional(),
  iss: z.string().max(2048).optional(),
  error: z.string().max(256).optional(),
  error_description: z.string().max(1024).optional(),
});
