// A log stream's health and its deliveries in words, for the list, the detail page and the history.

import type { LogStream, LogStreamDelivery, WebhookFilter } from '../shell/api-types.ts';
import { formatCount, plural } from '../shell/format-number.ts';

type StreamState = LogStream['state'];

export const STATE_LABELS: Record<StreamState, string> = {
  active: 'Active',
  error: 'Failing',
  invalid: 'Refused',
  inactive: 'Inactive',
};

export function stateTone(state: StreamState): 'ok' | 'failed' | 'off' {
  if (state === 'active') return 'ok';
  return state === 'inactive' ? 'off' : 'failed';
}

/** What the state means for what is sent next. */
export const STATE_EXPLANATIONS: Record<StreamState, string> = {
  active: 'Events are sent in order as they are recorded.',
  error: 'Deliveries fail and are retried; nothing is skipped, the stream catches up when the destination recovers.',
  invalid: 'The destination refused the credentials or the URL (HTTP 401, 403 or 404). Nothing is retried until the settings are changed.',
  inactive: 'Switched off: nothing is sent.',
};

/** "failing since <time>" for a failing or refused stream, null otherwise. */
export function failingText(stream: Pick<LogStream, 'state' | 'failingSince'>, formatTime: (iso: string) => string): string | null {
  if ((stream.state !== 'error' && stream.state !== 'invalid') || !stream.failingSince) return null;
  return `failing since ${formatTime(stream.failingSince)}`;
}

export const lagText = (lagEvents: number): string => (lagEvents <= 0 ? 'Up to date' : `${plural(lagEvents, 'event')} behind`);

export const deliveredText = (sequence: number): string => (sequence <= 0 ? 'Nothing yet' : `Sequence ${formatCount(sequence)}`);

export function sequencesText(delivery: Pick<LogStreamDelivery, 'kind' | 'firstSequence' | 'lastSequence'>): string {
  if (delivery.kind === 'test') return 'Test event (sequence 0)';
  if (delivery.kind === 'archive') return 'Weekly archive file';
  if (delivery.firstSequence === delivery.lastSequence) return `Sequence ${formatCount(delivery.firstSequence)}`;
  return `Sequences ${formatCount(delivery.firstSequence)}–${formatCount(delivery.lastSequence)}`;
}

export function answerText(result: { ok: boolean; status: number; error: string }): string {
  if (result.status === 0) return result.error || 'No answer';
  const status = `HTTP ${result.status}`;
  // A plain refusal's error only repeats the status; a redirect or a body that failed says more.
  return result.error && result.error !== status ? `${status} · ${result.error}` : status;
}

/** The filter in one line, as the webhook page says it. */
export function filterSummary(filter: WebhookFilter): string {
  if (!filter.events.includes('audit')) return 'No audit events';
  const part = (only: boolean, names: readonly string[], product: string) =>
    only ? `${product}: ${names.length > 0 ? names.join(', ') : 'none'}` : `${product}: all instances`;
  return `Every event · ${part(filter.filterArgocdInstanceNames, filter.argocdInstanceNames, 'Argo CD')} · ${part(filter.filterKargoInstanceNames, filter.kargoInstanceNames, 'Kargo')}`;
}
