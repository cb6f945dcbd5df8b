import { z } from '@hono/zod-openapi';
import { integerParameterOr } from './integer-parameter.ts';

const HEX_64 = z.string().regex(/^[0-9a-f]{64}$/);

const CheckpointSchema = z
  .object({
    organizationId: z.string(),
    sequence: z.number().int().openapi({ description: "The organization's sequence the chain hash is at" }),
    chainHash: HEX_64.openapi({
      description: 'chain(sequence), lowercase hex: SHA-256 of chain(sequence-1) ‖ contentHash(sequence), chain(0) = 32 zero bytes',
    }),
    time: z.string().openapi({ description: 'When it was signed (RFC 3339 UTC, milliseconds)', example: '2026-11-24T11:00:00.123Z' }),
    previousCheckpoint: z
      .object({ sequence: z.number().int(), chainHash: HEX_64 })
      .nullable()
      .openapi({ description: 'The checkpoint this one continues the chain from (null for the first)' }),
    signature: z.string().openapi({
      description:
        'Base64 of the raw 64-byte Ed25519 signature (the archive key, GET /api/v1/audit-logs-archives/public-key) over the UTF-8 bytes of the RFC 8785 canonical JSON of the other fields',
    }),
  })
  .openapi('AuditLogCheckpoint');

export const CheckpointListSchema = z.object({ checkpoints: z.array(CheckpointSchema) }).openapi('AuditLogCheckpointList');
export type CheckpointList = z.infer<typeof CheckpointListSchema>;
export const CheckpointCreatedSchema = z.object({ checkpoint: CheckpointSchema }).openapi('AuditLogCheckpointAnswer');

/**
 * A year of hourly checkpoints fits in one answer; page with afterSequence = the last one's
 * sequence. `latest=true` answers only the newest checkpoint (an empty list when there is none):
 * what the dashboard's "Verified through" line shows, without reading the whole list.
 */
export const CheckpointQuery = z.object({
  afterSequence: integerParameterOr(0, 0, Number.MAX_SAFE_INTEGER).openapi({
    param: { name: 'afterSequence', in: 'query' },
    description: 'Only checkpoints with a higher sequence (0: all)',
  }),
  limit: integerParameterOr(10_000, 1, 10_000).openapi({
    param: { name: 'limit', in: 'query' },
    description: 'Checkpoints per answer, default and max 10000',
  }),
  latest: z
    .enum(['true', 'false'])
    .transform((value) => value === 'true')
    .optional()
    .openapi({
      param: { name: 'latest', in: 'query' },
      description: 'true: only the newest checkpoint (after afterSequence), as a list of at most one; default false',
      type: 'boolean',
    }),
});
