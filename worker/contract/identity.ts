import { z } from '@hono/zod-openapi';
import { ROLES } from './enums.ts';
import { Email } from './management.ts';

/** base64url text as WebAuthn's JSON encoding carries binary fields. */
const b64url = (max: number) =>
  z
    .string()
    .max(max)
    .regex(/^[A-Za-z0-9_-]*$/, 'base64url');

/**
 * A PublicKeyCredential as the browser's `toJSON()` (or @simplewebauthn/browser) gives it: an
 * attestation (registration) or an assertion (sign-in). The authenticator's extension outputs
 * (`clientExtensionResults`) are the authenticator's to name, so that object is open.
 */
const WebAuthnCredentialSchema = z
  .strictObject({
    id: b64url(1024),
    rawId: b64url(1024),
    type: z.literal('public-key'),
    response: z.strictObject({
      clientDataJSON: b64url(8192),
      attestationObject: b64url(65_536).optional(),
      authenticatorData: b64url(8192).optional(),
      signature: b64url(2048).optional(),
      userHandle: b64url(1024).nullable().optional(),
      transports: z.array(z.string().max(32)).max(16).optional(),
      publicKeyAlgorithm: z.number().int().optional(),
      publicKey: b64url(8192).optional(),
    }),
    clientExtensionResults: z.record(z.string().max(64), z.unknown()),
    authenticatorAttachment: z.enum(['platform', 'cross-platform']).nullable().optional(),
  })
  .openapi('WebAuthnCredential');
export type WebAuthnCredential = z.infer<typeof WebAuthnCredentialSchema>;

export const WebAuthnBodySchema = z.strictObject({ response: WebAuthnCredentialSchema }).openapi('WebAuthnBody');

/** WebAuthn options for `navigator.credentials.create()`/`.get()` in their JSON form (PublicKeyCredential*OptionsJSON). */
export const WebAuthnOptionsSchema = z
  .record(z.string(), z.unknown())
  .openapi('WebAuthnOptions', { description: 'PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON' });

export const CreateInvitationSchema = z
  .strictObject({ email: Email.openapi({ example: 'dana@example.com' }), role: z.enum(ROLES) })
  .openapi('CreateInvitation');

const InvitationSchema = z
  .object({
    id: z.string().openapi({ example: 'inv_01JDX6Q8Z3V4K2M9R7T5W1Y0AB' }),
    email: z.string(),
    role: z.enum(ROLES),
    expiresAt: z.string().openapi({ format: 'date-time' }),
    createdAt: z.string().openapi({ format: 'date-time' }),
  })
  .openapi('Invitation');
export type Invitation = z.infer<typeof InvitationSchema>;

export const CreatedInvitationSchema = z
  .object({ invitation: InvitationSchema, url: z.string().openapi({ description: 'The one-time link; shown once, never again' }) })
  .openapi('CreatedInvitation');
export type CreatedInvitation = z.infer<typeof CreatedInvitationSchema>;

export const InvitationListSchema = z.object({ invitations: z.array(InvitationSchema) }).openapi('InvitationList');

export const InvitationPreviewSchema = z
  .object({
    organization: z.object({ id: z.string(), name: z.string() }),
    email: z.string(),
    role: z.enum(ROLES),
    expiresAt: z.string().openapi({ format: 'date-time' }),
    enforceSso: z.boolean().openapi({ description: 'The organization is joined only through its SSO' }),
  })
  .openapi('InvitationPreview');
export type InvitationPreview = z.infer<typeof InvitationPreviewSchema>;

export const AcceptInvitationSchema = z
  .strictObject({
    response: WebAuthnCredentialSchema.optional().openapi({
      description: 'The new passkey; left out when the caller is already signed in as the invited email',
    }),
  })
  .openapi('AcceptInvitation');

export const TokenParams = z.object({
  token: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'token', in: 'path' } }),
});
export const InvitationParams = z.object({
  orgId: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'orgId', in: 'path' } }),
  id: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'inv_01JDX6Q8Z3V4K2M9R7T5W1Y0AB' }),
});

const PasskeySchema = z
  .object({
    id: z.string().openapi({ example: 'pk_01JDX6Q8Z3V4K2M9R7T5W1Y0AB' }),
    name: z.string(),
    createdAt: z.string().openapi({ format: 'date-time' }),
    lastUsedAt: z.string().nullable().openapi({ format: 'date-time' }),
  })
  .openapi('Passkey');
export type Passkey = z.infer<typeof PasskeySchema>;
export { PasskeySchema };

export const PasskeyListSchema = z.object({ passkeys: z.array(PasskeySchema) }).openapi('PasskeyList');

export const AddPasskeySchema = z
  .strictObject({ response: WebAuthnCredentialSchema, name: z.string().trim().min(1).max(100).optional() })
  .openapi('AddPasskey');

export const PasskeyParams = z.object({
  id: z
    .string()
    .min(1)
    .max(256)
    .openapi({ param: { name: 'id', in: 'path' }, example: 'pk_01JDX6Q8Z3V4K2M9R7T5W1Y0AB' }),
});

export const CreateSignInLinkSchema = z.strictObject({ email: Email }).openapi('CreateSignInLink');
export const SignInLinkSchema = z.object({ url: z.string(), expiresAt: z.string().openapi({ format: 'date-time' }) }).openapi('SignInLink');
