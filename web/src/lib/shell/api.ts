// Tiny same-origin JSON client for the Worker API. Every non-2xx response becomes an
// ApiProblem, so callers handle one error type whether or not the body was RFC 9457.

import type { Problem as WorkerProblem } from '../../../../worker/contract/index.ts';

/**
 * An RFC 9457 problem document: the Worker's shape (worker/contract/problem.ts), except that the
 * requestId may be missing, since a network failure or a proxy's error page carries none.
 * `errors` says which fields were wrong, when the Worker says (validation answers).
 */
export type Problem = Omit<WorkerProblem, 'requestId'> & { requestId?: string };

/** One field of a 422 (or a parameter of a 400): `pointer` names it, e.g. "hotRetentionDays". */
export type FieldProblem = NonNullable<Problem['errors']>[number];
type FieldCode = NonNullable<FieldProblem['code']>;
/** The codes the Worker gives field problems (worker/contract/problem.ts); any other is dropped. */
const FIELD_CODES = [
  'required',
  'invalid_type',
  'too_small',
  'too_big',
  'invalid_format',
  'invalid_value',
] as const satisfies readonly FieldCode[];

export class ApiProblem extends Error implements Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly requestId?: string;
  readonly errors?: FieldProblem[];

  constructor(problem: Problem) {
    super(problem.detail || problem.title);
    this.name = 'ApiProblem';
    this.type = problem.type;
    this.title = problem.title;
    this.status = problem.status;
    this.detail = problem.detail;
    if (problem.requestId !== undefined) this.requestId = problem.requestId;
    if (problem.errors !== undefined) this.errors = problem.errors;
  }
}

/** The problem's `type` code, e.g. "invalid-query" for `urn:problem:audit-logs:invalid-query`. */
export function problemCode(problem: Pick<Problem, 'type'>): string {
  return problem.type.slice(problem.type.lastIndexOf(':') + 1);
}

export function isApiProblem(value: unknown, status?: number): value is ApiProblem {
  return value instanceof ApiProblem && (status === undefined || value.status === status);
}

/** Kit passes its own `fetch` to load functions; components use the global one. */
export type Fetch = typeof fetch;

export interface ApiRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
}

/**
 * Calls `/api/v1{path}` and returns the parsed JSON body (or `undefined` for 204).
 * The result is cast, not validated: the Worker is the only producer and shares the contract.
 */
export async function api<T>(fetchFn: Fetch, path: string, request: ApiRequest = {}): Promise<T> {
  const headers: Record<string, string> = {
    accept: 'application/json, application/problem+json',
  };
  const init: RequestInit = {
    method: request.method ?? 'GET',
    headers,
    // Explicit although it is fetch's default: the session is an HttpOnly same-origin cookie.
    credentials: 'same-origin',
  };
  if (request.signal) init.signal = request.signal;
  if (request.body !== undefined) {
    headers['content-type'] = 'application/json';
    init.body = JSON.stringify(request.body);
  }

  let response: Response;
  try {
    response = await fetchFn(`/api/v1${path}`, init);
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause;
    throw new ApiProblem({
      type: 'about:blank',
      title: 'Network error',
      status: 0,
      detail: 'Could not reach the server. Check your connection and try again.',
    });
  }

  if (!response.ok) throw await toProblem(response);
  if (response.status === 204) return undefined as T;

  const body: unknown = await response.json();
  return body as T;
}

async function toProblem(response: Response): Promise<ApiProblem> {
  const fallback: Problem = {
    type: 'about:blank',
    title: response.statusText || 'Request failed',
    status: response.status,
    detail: `The server answered with HTTP ${response.status}.`,
  };

  // Proxies and the platform can answer with HTML or plain text; keep the fallback then.
  const contentType = response.headers.get('content-type') ?? '';
  if (!contentType.includes('json')) return new ApiProblem(fallback);

  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return new ApiProblem(fallback);
  }
  if (typeof body !== 'object' || body === null) return new ApiProblem(fallback);

  const field = (name: string): string | undefined => {
    const value: unknown = (body as Record<string, unknown>)[name];
    return typeof value === 'string' && value !== '' ? value : undefined;
  };
  const requestId = field('requestId') ?? response.headers.get('x-request-id') ?? undefined;
  const errors = fieldProblems((body as Record<string, unknown>).errors);

  return new ApiProblem({
    type: field('type') ?? fallback.type,
    title: field('title') ?? fallback.title,
    // The HTTP status is authoritative; a body could disagree after a proxy rewrite.
    status: response.status,
    detail: field('detail') ?? field('title') ?? fallback.detail,
    ...(requestId === undefined ? {} : { requestId }),
    ...(errors.length === 0 ? {} : { errors }),
  });
}

function fieldProblems(value: unknown): FieldProblem[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown) => {
    if (typeof entry !== 'object' || entry === null) return [];
    const { pointer, detail, code, minimum, maximum, format } = entry as Record<string, unknown>;
    if (typeof pointer !== 'string' || typeof detail !== 'string') return [];
    const problem: FieldProblem = { pointer, detail };
    if (typeof code === 'string' && (FIELD_CODES as readonly string[]).includes(code)) problem.code = code as FieldCode;
    if (typeof minimum === 'number') problem.minimum = minimum;
    if (typeof maximum === 'number') problem.maximum = maximum;
    if (typeof format === 'string') problem.format = format;
    return [problem];
  });
}
