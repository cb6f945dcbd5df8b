// One formatter for the whole app so dates read the same everywhere; the user's locale decides
// the order, and an invalid timestamp shows as-is instead of "Invalid Date".
const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}
