// The event open in the details drawer lives in the URL (`event=<id>&at=<timestamp>`), so a reload
// or a shared link opens the same event. `at` lets the view fetch an event that is not among the
// rows it loaded (an older one, or one outside the link's filters) by its exact millisecond.

export interface EventLink {
  id: string;
  at: string | null;
}

export function readEventLink(params: Pick<URLSearchParams, 'get'>): EventLink | null {
  const id = params.get('event');
  return id ? { id, at: params.get('at') } : null;
}

/** The same URL with `event` (and `at`) set to this event, or removed when `event` is null. */
export function withEventLink(url: Pick<URL, 'pathname' | 'search'>, event: { id: string; timestamp: string } | null): string {
  const params = new URLSearchParams(url.search);
  params.delete('event');
  params.delete('at');
  if (event) {
    params.set('event', event.id);
    params.set('at', event.timestamp);
  }
  const search = params.toString();
  return `${url.pathname}${search ? `?${search}` : ''}`;
}
