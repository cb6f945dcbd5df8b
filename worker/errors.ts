import type { ContentfulStatusCode } from 'hono/utils/http-status';

import type { FieldError, Problem } from './contract/problem.ts';

export { zodFieldErrors } from './contract/problem.ts';
export type { FieldError };

/**
 * Every problem type the API answers with, with its HTTP status. The type URI of a problem is
 * `urn:problem:audit-logs:<code>`; clients may switch on the code (see docs/ARCHITECTURE.md).
 */
const PROBLEM_STATUS = {
  'malformed-request': 400,
  'invalid-parameters': 400,
  'invalid-cursor': 400,
  'unknown-parameter': 400,
  'invalid-query': 400,
  'invalid-bookmark': 400,
  unauthenticated: 401,
  forbidden: 403,
  'sso-required': 403,
  'not-found': 404,
  'method-not-allowed': 405,
  'event-id-conflict': 409,
  'instance-exists': 409,
  'member-exists': 409,
  'last-owner': 409,
  'notification-config-exists': 409,
  'notification-config-limit': 409,
  'notification-config-inactive': 409,
  'log-stream-exists': 409,
  'log-stream-limit': 409,
  'sso-domain-taken': 409,
  'saved-view-exists': 409,
  'saved-view-limit': 409,
  'chain-broken': 409,
  'move-running': 409,
  'body-too-large': 413,
  'unsupported-media-type': 415,
  'range-not-satisfiable': 416,
  'archive-expired': 410,
  'validation-failed': 422,
  'archive-unverified': 422,
  'rate-limited': 429,
  'internal-error': 500,
  'organization-moving': 503,
  'http-error': 400,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ProblemCode = keyof typeof PROBLEM_STATUS;

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

/**
 * An error that becomes an RFC 9457 problem response. Thrown anywhere in a request; the app's
 * single onError turns it into application/problem+json. The status follows from the code.
 */
export class ApiError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: ProblemCode;
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ProblemCode, detail: string, errors?: FieldError[], headers?: Record<string, string>) {
    super(detail);
    this.code = code;
    this.detail = detail;
    this.errors = errors;
    this.headers = headers;
    this.status = PROBLEM_STATUS[code];
  }
}

export const badRequest = (detail: string) => new ApiError('malformed-request', detail);
export const unauthorized = (detail: string) => new ApiError('unauthenticated', detail);
export const forbidden = (detail: string) => new ApiError('forbidden', detail);
/** The organization enforces SSO and the caller did not come through it (docs/API.md, "Sign-in"). */
export const ssoRequired = (organizationId: string) =>
  new ApiError(
    'sso-required',
    `Organization ${organizationId} requires signing in through its SSO (enforceSso); this credential does not reach it.`,
  );
export const notFound = (detail: string) => new ApiError('not-found', detail);
export const invalid = (detail: string, errors: FieldError[]) => new ApiError('validation-failed', detail, errors);

/** A 422 naming one field of the body. */
export const invalidField = (pointer: string, detail: string) => invalid('The request body has invalid fields.', [{ pointer, detail }]);

function problemType(code: ProblemCode): string {
  return `urn:problem:audit-logs:${code}`;
}

export function problemResponse(
  code: ProblemCode,
  detail: string,
  requestId: string,
  extra: { status?: number; errors?: FieldError[]; headers?: Record<string, string> } = {},
): Response {
  const status = extra.status ?? PROBLEM_STATUS[code];
  const body: Problem = { type: problemType(code), title: statusTitle(status), status, detail, requestId };
  if (extra.errors) body.errors = extra.errors;
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', 'x-request-id': requestId, ...extra.headers },
  });
}
