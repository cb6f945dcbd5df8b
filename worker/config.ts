import { MAX_HOT_RETENTION_DAYS, MIN_HOT_RETENTION_DAYS } from './contract/settings.ts';
import type { WorkerEnv } from './env.ts';

/** Worker variables parsed once into typed values (wrangler.toml [vars], `.dev.vars`, `--var`). */
export interface Config {
  /** Events older than this many days leave D1 once their week's archive verifies. */
  hotRetentionDays: number;
  /** Ingest refuses timestamps older than this many days (the platform admin may backfill up to hotRetentionDays). */
  maxEventAgeDays: number;
  /** An event is archived only once it was received at least this long ago (see docs/ARCHITECTURE.md, "The archive path"). */
  archiveSettleMs: number;
}

/** Webhook settings (docs/WEBHOOKS.md), apart from Config: only the webhook code reads them. */
export interface WebhookConfig {
  /** Webhooks may use plain http://localhost and http://127.0.0.1 (local runs and tests only). */
  allowInsecure: boolean;
  /** First retry delay of a failed delivery; doubles per attempt up to an hour. */
  retryBaseMs: number;
}

/**
 * Sign-in settings (docs/SSO.md), apart from Config: only the sign-in code reads them.
 * Both off by default.
 */
export interface SsoConfig {
  /** OpenID providers and the Access team domain may use plain http to localhost / 127.0.0.1 (local runs and tests only). */
  allowInsecure: boolean;
  /** Cloudflare Access: set when ACCESS_TEAM_DOMAIN and ACCESS_AUD both are. */
  access: { teamDomain: string; audience: string } | null;
}

/** One invalid variable: its name, the value it has (its first 100 characters), and what it must be instead. */
export interface InvalidVariable {
  variable: string;
  value: string;
  problem: string;
}

/**
 * The deployment's variables are invalid. A mistyped retention or limit must not quietly become
 * something else (an audit log that keeps events for 90 days when 900 were meant), so nothing runs
 * until it is fixed: requests answer 500 and the cron and queue handlers throw, each naming the
 * variables in the log.
 */
export class ConfigError extends Error {
  readonly invalid: InvalidVariable[];

  constructor(invalid: InvalidVariable[]) {
    super(
      `Invalid configuration: ${invalid
        .map(({ variable, value, problem }) => `${variable}=${JSON.stringify(value)} ${problem}`)
        .join('; ')}`,
    );
    this.invalid = invalid;
    this.name = 'ConfigError';
  }
}

type Variable =
  | 'HOT_RETENTION_DAYS'
  | 'MAX_EVENT_AGE_DAYS'
  | 'ARCHIVE_SETTLE_SECONDS'
  | 'WEBHOOK_RETRY_BASE_SECONDS'
  | 'ALLOW_INSECURE_WEBHOOKS'
  | 'ALLOW_INSECURE_SSO'
  | 'ACCESS_TEAM_DOMAIN'
  | 'ACCESS_AUD';

interface Parsed {
  config: Config;
  webhooks: WebhookConfig;
  sso: SsoConfig;
}

// One parse per env object: Workers hand the same env to every request of an isolate. A failed
// parse is not kept, so every request and job fails until the variables are fixed.
const parsed = new WeakMap<object, Parsed>();

/**
 * Every variable with its rule and default (docs/OPERATIONS.md, "Configuration"), or a ConfigError
 * naming each invalid one. Only an unset variable takes its default; a set one must be valid down
 * to its spelling: decimal digits only, so "90 days", "1e3" or "0x10" are refused rather than read
 * as something else.
 */
function parse(env: WorkerEnv): Parsed {
  const cached = parsed.get(env);
  if (cached) return cached;
  const invalid: InvalidVariable[] = [];
  const wholeNumber = (variable: Variable, min: number, max: number, fallback: number, unit: string): number => {
    const value = env[variable];
    if (value === undefined) return fallback;
    const number = /^[0-9]{1,9}$/.test(value) ? Number(value) : Number.NaN;
    if (number >= min && number <= max) return number;
    invalid.push({
      variable,
      value: value.slice(0, 100),
      problem: `must be a whole number of ${unit} from ${min} to ${max} (unset: ${fallback})`,
    });
    return fallback;
  };
  // Only the exact words: "1" or "yes" might mean either, and the insecure rule must never be a guess.
  const flag = (variable: Variable): boolean => {
    const value = env[variable];
    if (value === undefined || value === 'false') return false;
    if (value === 'true') return true;
    invalid.push({ variable, value: value.slice(0, 100), problem: 'must be "true" or "false" (unset: false)' });
    return false;
  };
  const result: Parsed = {
    config: {
      hotRetentionDays: wholeNumber('HOT_RETENTION_DAYS', MIN_HOT_RETENTION_DAYS, MAX_HOT_RETENTION_DAYS, 90, 'days'),
      maxEventAgeDays: wholeNumber('MAX_EVENT_AGE_DAYS', 1, 36_500, 30, 'days'),
      archiveSettleMs: wholeNumber('ARCHIVE_SETTLE_SECONDS', 0, 3600, 60, 'seconds') * 1000,
    },
    webhooks: {
      allowInsecure: flag('ALLOW_INSECURE_WEBHOOKS'),
      retryBaseMs: wholeNumber('WEBHOOK_RETRY_BASE_SECONDS', 1, 3600, 30, 'seconds') * 1000,
    },
    sso: { allowInsecure: flag('ALLOW_INSECURE_SSO'), access: accessSettings(env, invalid) },
  };
  if (invalid.length > 0) throw new ConfigError(invalid);
  parsed.set(env, result);
  return result;
}

/** A host name with an optional port (an Access team domain: `<team>.cloudflareaccess.com`). */
const TEAM_DOMAIN = /^(?=.{1,253}(:|$))([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(:[0-9]{1,5})?$/;

/** Cloudflare Access needs both variables or neither: one alone is a half-done setup, refused. */
function accessSettings(env: WorkerEnv, invalid: InvalidVariable[]): SsoConfig['access'] {
  const teamDomain = env.ACCESS_TEAM_DOMAIN?.trim().toLowerCase() ?? '';
  const audience = env.ACCESS_AUD?.trim() ?? '';
  if (teamDomain === '' && audience === '') return null;
  if (teamDomain === '' || audience === '') {
    const [variable, value] = teamDomain === '' ? ['ACCESS_TEAM_DOMAIN', ''] : ['ACCESS_AUD', ''];
    invalid.push({
      variable,
      value,
      problem: `must be set together with ${variable === 'ACCESS_AUD' ? 'ACCESS_TEAM_DOMAIN' : 'ACCESS_AUD'}`,
    });
    return null;
  }
  if (!TEAM_DOMAIN.test(teamDomain)) {
    invalid.push({
      variable: 'ACCESS_TEAM_DOMAIN',
      value: teamDomain.slice(0, 100),
      problem: 'must be the team domain alone, e.g. myteam.cloudflareaccess.com (no scheme, no path)',
    });
    return null;
  }
  return { teamDomain, audience };
}

/** The deployment's settings; throws ConfigError when any variable (webhook ones included) is invalid. */
export function readConfig(env: WorkerEnv): Config {
  return parse(env).config;
}

export function readWebhookConfig(env: WorkerEnv): WebhookConfig {
  return parse(env).webhooks;
}

export function readSsoConfig(env: WorkerEnv): SsoConfig {
  return parse(env).sso;
}
