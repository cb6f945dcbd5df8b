import type { ContentfulStatusCode } from 'hono/utils/http-status';

/** One field-level problem, RFC 9457 "errors" extension member. */
export interface FieldError {
  /** JSON pointer-ish path, e.g. "items/3/actor/id". */
  pointer: string;
  detail: string;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

export function statusTitle(status: number): string {
  return TITLES[status] ?? 'Error';
}

/**
 * An error that becomes an RFC 9457 problem response. Thrown anywhere in a request;
 * the app's single onError turns it into application/problem+json.
 */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly slug: string,
    readonly detail: string,
    readonly errors?: FieldError[],
    readonly headers?: Record<string, string>,
  ) {
    super(detail);
  }
}

export const badRequest = (detail: string) => new ApiError(400, 'malformed-request', detail);
export const unauthorized = (detail: string) => new ApiError(401, 'unauthenticated', detail);
export const forbidden = (detail: string) => new ApiError(403, 'forbidden', detail);
export const notFound = (detail: string) => new ApiError(404, 'not-found', detail);
export const conflict = (slug: string, detail: string) => new ApiError(409, slug, detail);
export const invalid = (detail: string, errors: FieldError[]) => new ApiError(422, 'validation-failed', detail, errors);

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  requestId: string;
  errors?: FieldError[];
}

export function problemType(slug: string): string {
  return `urn:problem:audit-logs:${slug}`;
}

export function problemResponse(
  status: number,
  slug: string,
  detail: string,
  requestId: string,
  extra: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): Response {
  const body: ProblemBody = { type: problemType(slug), title: statusTitle(status), status, detail, requestId };
  if (extra.errors) body.errors = extra.errors;
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/problem+json', 'x-request-id': requestId, ...extra.headers },
  });
}

/** A 422 naming one field of the body. */
export const invalidField = (pointer: string, detail: string) => invalid('The request body has invalid fields.', [{ pointer, detail }]);
