/**
 * Who an ID token (or a Cloudflare Access token) names, in terms of this service: its email,
 * normalised as members' emails are, the domain rule, and the role the OIDC map gives its groups.
 */
import type { Role } from '../contract/enums.ts';
import type { OidcMap } from '../contract/sso.ts';

/**
 * The email as users.email stores it (NFC, lower-case, trimmed), or null when it is not a plain
 * ASCII address: members' emails are ASCII (the API refuses others), so a token naming
 * `bоb@example.com` with a Cyrillic "о" is a look-alike, refused rather than matched or added.
 */
export function normaliseEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const email = raw.normalize('NFC').trim().toLowerCase();
  if (email.length > 256 || !/^[\x21-\x7e]+$/.test(email)) return null;
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1 || email.indexOf('@') !== at) return null;
  return email;
}

export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

/** Order in which the OIDC map is read: the highest role whose groups match wins. */
const ROLE_ORDER: readonly Role[] = ['owner', 'admin', 'auditor', 'member'];

/** The token's groups under each of the configured claim names (an array of names, or one name). */
export function groupsOf(claims: Record<string, unknown>, groupClaims: string[]): Set<string> {
  const groups = new Set<string>();
  for (const name of groupClaims) {
    const value = claims[name];
    const values = Array.isArray(value) ? value : [value];
    for (const item of values) if (typeof item === 'string' && item !== '') groups.add(item);
  }
  return groups;
}

/** The highest role whose comma-separated groups meet `groups`, else `member` (Akuity's oidc-map). */
export function roleFromGroups(entries: OidcMap['entries'], groups: Set<string>): Role {
  for (const role of ROLE_ORDER) {
    const wanted = (entries[role] ?? '')
      .split(',')
      .map((group) => group.trim())
      .filter(Boolean);
    if (wanted.some((group) => groups.has(group))) return role;
  }
  return 'member';
}
