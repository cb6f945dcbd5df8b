import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const DEV_VARS_FILE = '.dev.vars';

export type DevVars = Record<string, string>;

export function readDevVars(path = DEV_VARS_FILE): DevVars {
  if (!existsSync(path)) return {};
  const vars: DevVars = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*"?([^"]*)"?\s*$/.exec(line);
    if (match?.[1] && match[2] !== undefined) vars[match[1]] = match[2];
  }
  return vars;
}

/** The secrets `wrangler dev` reads from .dev.vars; made once, on first start, never overwritten. */
export function ensureDevVars(path = DEV_VARS_FILE): { vars: DevVars; created: string[] } {
  const vars = readDevVars(path);
  const created: string[] = [];
  const fill = (name: string, make: () => string) => {
    if (!vars[name]) {
      vars[name] = make();
      created.push(name);
    }
  };
  fill('ADMIN_TOKEN', () => `adm_${randomBytes(32).toString('base64url')}`);
  // Ed25519 private key as base64 PKCS#8 DER: one line, importable by WebCrypto in the Worker.
  fill('ARCHIVE_SIGNING_KEY', () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'));
  fill('LINK_SIGNING_SECRET', () => randomBytes(32).toString('base64url'));
  // AES-256-GCM key of the webhook secrets at rest (32 bytes, base64). Also added to an older .dev.vars that lacks it.
  fill('WEBHOOK_SECRET_KEY', () => randomBytes(32).toString('base64'));
  // AES-256-GCM key of the SSO client secrets at rest (docs/SSO.md).
  fill('SSO_SECRET_KEY', () => randomBytes(32).toString('base64'));
  if (created.length > 0) {
    const body = Object.entries(vars)
      .map(([name, value]) => `${name}="${value}"`)
      .join('\n');
    writeFileSync(path, `# Local secrets for wrangler dev (made by npm start; not committed).\n${body}\n`, { mode: 0o600 });
  }
  return { vars, created };
}
