// The sections of the organization's Settings tab and who sees each: retention for audit readers
// (owners change it, auditors read it), members for everyone in the organization (owners and
// admins manage them), API keys for owners and admins, SSO for owners. The Worker checks every request itself.
import { resolve } from '$app/paths';
import type { KeyRole } from '../shell/api-types.ts';
import { can, canManage, canReadAudit } from '../shell/roles.ts';

type SettingsSectionId = 'retention' | 'members' | 'api-keys' | 'sso';

export interface SettingsSection {
  id: SettingsSectionId;
  label: string;
  href: string;
}

export function settingsSections(orgId: string, role: KeyRole): SettingsSection[] {
  const sections: SettingsSection[] = [];
  if (canReadAudit(role))
    sections.push({ id: 'retention', label: 'Retention', href: resolve('/orgs/[orgId]/settings/retention', { orgId }) });
  if (can(role, 'read')) sections.push({ id: 'members', label: 'Members', href: resolve('/orgs/[orgId]/settings/members', { orgId }) });
  if (canManage(role)) sections.push({ id: 'api-keys', label: 'API keys', href: resolve('/orgs/[orgId]/settings/api-keys', { orgId }) });
  if (role === 'owner') sections.push({ id: 'sso', label: 'SSO', href: resolve('/orgs/[orgId]/settings/sso', { orgId }) });
  return sections;
}
