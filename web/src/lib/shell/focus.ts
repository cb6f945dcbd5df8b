// Where keyboard focus goes when the control that had it disappears or the page changes under it
// (sign-in, clearing filters, loading more rows, closing the details drawer): somewhere that
// continues the task, never <body>.

/** Focuses an element that is not focusable by itself (a heading, a region) without adding a Tab stop. */
export function focusStatic(element: HTMLElement | null): boolean {
  if (!element) return false;
  if (!element.hasAttribute('tabindex')) element.setAttribute('tabindex', '-1');
  element.focus();
  return document.activeElement === element;
}

/** The page's main heading (or the main region): where a new page starts for a keyboard user. */
export function focusMainHeading(): void {
  const main = document.getElementById('main-content');
  const heading = main?.querySelector<HTMLElement>('h1');
  if (!focusStatic(heading ?? null)) focusStatic(main);
}

/** The "open details" button of an event's row, if the row is on screen. */
export function focusEventRow(eventId: string): boolean {
  const button = document.querySelector<HTMLElement>(`tr[data-event-id="${CSS.escape(eventId)}"] .audit-table__open`);
  button?.focus();
  return button !== null && document.activeElement === button;
}
