import { eq } from 'drizzle-orm';
import type { Config } from '../../config.ts';
import type { AuditLogSettings, AuditLogSettingsChange } from '../../contract/settings.ts';
import type { Database } from '../../db/client.ts';
import { organizationSettings } from '../../db/schema.ts';
import { invalidField } from '../../errors.ts';
import { type ChangeContext, managementEvent } from '../../events/management-event.ts';
import { recordChangeStatements } from '../event-store/index.ts';

/** The settings of an organization that set none. */
export function defaultSettings(config: Config): AuditLogSettings {
  return { hotRetentionDays: config.hotRetentionDays, archiveRetentionDays: 0 };
}

/** An organization's settings: its own values, or the deployment's defaults. */
export async function getSettings(db: Database, organizationId: string, config: Config): Promise<AuditLogSettings> {
  const [row] = await db.select().from(organizationSettings).where(eq(organizationSettings.organizationId, organizationId)).limit(1);
  return { hotRetentionDays: row?.hotRetentionDays ?? config.hotRetentionDays, archiveRetentionDays: row?.archiveRetentionDays ?? 0 };
}

/** Every organization with settings of its own (for the daily retention job). */
export async function allSettings(db: Database, config: Config): Promise<Map<string, AuditLogSettings>> {
  const rows = await db.select().from(organizationSettings);
  return new Map(
    rows.map((row) => [
      row.organizationId,
      { hotRetentionDays: row.hotRetentionDays ?? config.hotRetentionDays, archiveRetentionDays: row.archiveRetentionDays },
    ]),
  );
}

/** Changes the settings and records the change (from → to) in the same transaction. Unchanged values record nothing. */
export async function updateSettings(
  db: Database,
  organizationId: string,
  change: AuditLogSettingsChange,
  context: ChangeContext,
  config: Config,
): Promise<AuditLogSettings> {
  const current = await getSettings(db, organizationId, config);
  const next: AuditLogSettings = { ...current, ...change };
  // An archive may only expire after its events left D1, or a week would be held nowhere.
  if (next.archiveRetentionDays !== 0 && next.archiveRetentionDays < next.hotRetentionDays) {
    throw invalidField(
      'archiveRetentionDays',
      `must be 0 (forever) or at least hotRetentionDays (${next.hotRetentionDays}): an archive may not expire while its events are still in the API`,
    );
  }
  const changed = (Object.keys(next) as (keyof AuditLogSettings)[]).filter((key) => next[key] !== current[key]);
  if (changed.length === 0) return current;
  const event = managementEvent(context, {
    action: 'update',
    objectType: 'audit_log_settings',
    objectName: 'audit-log-settings',
    message: `Changed ${changed.map((key) => `${key} from ${current[key]} to ${next[key]}`).join(' and ')}`,
    extra: Object.fromEntries(changed.map((key) => [key, { from: current[key], to: next[key] }])),
  });
  const row = { organizationId, ...next, updatedAt: context.now };
  await db.batch([
    db.insert(organizationSettings).values(row).onConflictDoUpdate({ target: organizationSettings.organizationId, set: row }),
    ...(await recordChangeStatements(db, organizationId, [event], context.now)),
  ]);
  return next;
}
