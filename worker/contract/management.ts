import { z } from '@hono/zod-openapi';
import { INSTANCE_TYPES, KEY_KINDS, KEY_ROLES, ROLES } from './enums.ts';

export const Email = z.string().trim().toLowerCase().pipe(z.email().max(256));
export const DisplayName = z.string().trim().min(1).max(200);

const RoleSchema = z.enum(ROLES);
const KeyRoleSchema = z.enum(KEY_ROLES);
export const InstanceTypeSchema = z.enum(INSTANCE_TYPES);

const UserSchema = z.object({ id: z.string(), email: z.string(), name: z.string() }).openapi('User');

export const OrganizationSummarySchema = z.object({ id: z.string(), name: z.string(), role: KeyRoleSchema }).openapi('OrganizationSummary');

export const MeSchema = z.object({ user: UserSchema.nullable(), organizations: z.array(OrganizationSummarySchema) }).openapi('Me');

// Request bodies are strict objects: an unknown field is a 422 naming it, never silently dropped.
/** Operators importing history from another system date a change in the past (docs/API.md, "Importing history"). */
const ImportedCreatedAt = z.iso.datetime({ offset: true }).optional().openapi({
  description:
    'Platform admin token only: when this happened, for importing an organization from another system. Not in the future. Its audit event is dated then and its details say when it was recorded (recordedAt).',
});

export const CreateOrganizationSchema = z
  .strictObject({
    name: DisplayName.openapi({ example: 'Acme' }),
    owner: z.strictObject({ email: Email.openapi({ example: 'alice@example.com' }), name: DisplayName.openapi({ example: 'Alice' }) }),
    shard: z
      .string()
      .regex(/^[A-Z][A-Z0-9_]{0,63}$/, 'a D1 binding name, like SHARD_1')
      .optional()
      .openapi({
        description:
          'Operators only: the event database (a name in EVENT_SHARDS) to place the organization on. Default: the shard with the fewest events.',
        example: 'SHARD_1',
      }),
    createdAt: ImportedCreatedAt,
  })
  .openapi('CreateOrganization');

export const CreatedOrganizationSchema = z
  .object({
    organization: z.object({
      id: z.string(),
      name: z.string(),
      shard: z.string().openapi({ description: "The event database holding the organization's events" }),
    }),
    ownerApiKey: z.string().openapi({ description: 'The owner key secret, shown only here' }),
    ownerApiKeyId: z.string().openapi({ description: 'Its id (the user name of HTTP Basic authentication)' }),
  })
  .openapi('CreatedOrganization');

export const InstanceSchema = z
  .object({
    id: z.string(),
    type: InstanceTypeSchema,
    name: z.string(),
    createdAt: z.string(),
    deletedAt: z.string().nullable().openapi({ description: 'When the instance was deleted; its audit log stays readable' }),
  })
  .openapi('Instance');

export const InstanceName = z
  .string()
  .trim()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, 'Use lowercase letters, digits and dashes (a DNS label).')
  .openapi({ example: 'prod' });

export const CreateInstanceSchema = z
  .strictObject({ type: InstanceTypeSchema, name: InstanceName, createdAt: ImportedCreatedAt })
  .openapi('CreateInstance');

export const MemberSchema = z
  .object({ userId: z.string(), email: z.string(), name: z.string(), role: RoleSchema, createdAt: z.string() })
  .openapi('Member');

export const AddMemberSchema = z
  .strictObject({ email: Email, name: DisplayName, role: RoleSchema, createdAt: ImportedCreatedAt })
  .openapi('AddMember');
export const ChangeRoleSchema = z.strictObject({ role: RoleSchema }).openapi('ChangeRole');

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    role: KeyRoleSchema,
    kind: z.enum(KEY_KINDS).openapi({
      description:
        '"personal": acts for the person who created it, never above their current role, revoked when they leave. "service": belongs to the organization (actor { "type": "api_key", "id": <key id> }), survives its creator, never signs in to the dashboard.',
    }),
    instanceId: z.string().nullable(),
    prefix: z.string().openapi({ description: 'First characters of the secret, for recognising it' }),
    userId: z.string().nullable().openapi({ description: 'The person a personal key acts for; null for a service key' }),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    expiresAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi('ApiKey');

export const CreatedApiKeySchema = ApiKeySchema.extend({ secret: z.string() }).openapi('CreatedApiKey');

export const CreateApiKeySchema = z
  .strictObject({
    name: DisplayName,
    role: KeyRoleSchema,
    kind: z.enum(KEY_KINDS).optional().openapi({
      description:
        'Default "personal" (a key for yourself). "service" (owners only): a key of the organization, for automation that must outlive any one person. The platform admin token, being no person, creates service keys only.',
    }),
    instanceId: z.string().min(1).max(256).optional().openapi({ description: 'Only for ingest keys: limit writes to this instance' }),
    expiresAt: z.iso.datetime({ offset: true }).optional().openapi({ description: 'RFC 3339; the key stops working then' }),
  })
  .openapi('CreateApiKey');

export type User = z.infer<typeof UserSchema>;
export type OrganizationSummary = z.infer<typeof OrganizationSummarySchema>;
export type Me = z.infer<typeof MeSchema>;
export type Instance = z.infer<typeof InstanceSchema>;
export type Member = z.infer<typeof MemberSchema>;
export type ApiKey = z.infer<typeof ApiKeySchema>;
export type CreatedApiKey = z.infer<typeof CreatedApiKeySchema>;
export type CreatedOrganization = z.infer<typeof CreatedOrganizationSchema>;

export const SignInSchema = z.strictObject({ apiKey: z.string().min(1).max(512) }).openapi('SignIn');
