// The Log streams pages' view of the log-stream API (docs/STREAMS.md, "API").
import { api, type Fetch, isApiProblem } from '../shell/api.ts';
import type { LogStream, LogStreamDelivery, LogStreamTestResult } from '../shell/api-types.ts';
import type { LogStreamInput } from './stream-draft.ts';

const base = (orgId: string) => `/organizations/${encodeURIComponent(orgId)}/audit-log-streams`;
const one = (orgId: string, id: string) => `${base(orgId)}/${encodeURIComponent(id)}`;

export interface DeliveryPage {
  deliveries: LogStreamDelivery[];
  totalCount: number;
}

const DELIVERY_PAGE = 20;

export async function listLogStreams(fetchFn: Fetch, orgId: string): Promise<LogStream[]> {
  return (await api<{ streams: LogStream[] }>(fetchFn, base(orgId))).streams;
}

/** One stream, or undefined when the organization has no such stream. */
export async function findLogStream(fetchFn: Fetch, orgId: string, id: string): Promise<LogStream | undefined> {
  try {
    return (await api<{ stream: LogStream }>(fetchFn, one(orgId, id))).stream;
  } catch (cause) {
    if (isApiProblem(cause, 404)) return undefined;
    throw cause;
  }
}

export async function createLogStream(fetchFn: Fetch, orgId: string, input: LogStreamInput): Promise<LogStream> {
  return (await api<{ stream: LogStream }>(fetchFn, base(orgId), { method: 'POST', body: input })).stream;
}

export async function updateLogStream(fetchFn: Fetch, orgId: string, id: string, input: LogStreamInput): Promise<LogStream> {
  return (await api<{ stream: LogStream }>(fetchFn, one(orgId, id), { method: 'PUT', body: input })).stream;
}

export async function deleteLogStream(fetchFn: Fetch, orgId: string, id: string): Promise<void> {
  await api<undefined>(fetchFn, one(orgId, id), { method: 'DELETE' });
}

export async function testLogStream(fetchFn: Fetch, orgId: string, id: string): Promise<LogStreamTestResult> {
  return api<LogStreamTestResult>(fetchFn, `${one(orgId, id)}/test`, { method: 'POST' });
}

export async function listDeliveries(fetchFn: Fetch, orgId: string, id: string, offset = 0): Promise<DeliveryPage> {
  const query = new URLSearchParams({ limit: String(DELIVERY_PAGE), offset: String(offset) });
  return api<DeliveryPage>(fetchFn, `${one(orgId, id)}/deliveries?${query}`);
}
