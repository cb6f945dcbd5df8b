/** Which week a ZIP holds, and whether its entries are exactly that week's seven day files. */
import { isMonday, mondayOf, parseDate, weekNames } from './dates.ts';
import type { VerifyReport } from './report.ts';
import { describeValue } from './values.ts';

/**
 * The week's seven day-file names: the manifest's week when it names a Monday, else the ISO week
 * most entries name (normally all seven, from a Monday), so a ZIP without a usable manifest is
 * still checked against a week. Null (with a problem) when no entry names a day.
 */
export function expectedDayFiles(
  manifestStartDate: unknown,
  names: readonly string[],
  readable: boolean,
  report: VerifyReport,
): string[] | null {
  const manifestStart = typeof manifestStartDate === 'string' ? parseDate(manifestStartDate) : null;
  if (manifestStart !== null && isMonday(manifestStart)) return weekNames(manifestStart);
  if (!readable) return null;
  const votes = new Map<number, number>();
  for (const name of names) {
    const day = name.endsWith('.json') ? parseDate(name.slice(0, -5)) : null;
    if (day !== null) votes.set(mondayOf(day), (votes.get(mondayOf(day)) ?? 0) + 1);
  }
  const best = [...votes].sort(([weekA, a], [weekB, b]) => b - a || weekA - weekB)[0];
  if (best) return weekNames(best[0]);
  report.problems.push(
    `ZIP: no entry is named YYYY-MM-DD.json, so the week is unknown (entries: ${names.map((name) => describeValue(name)).join(', ') || 'none'})`,
  );
  return null;
}

/** The entries must be exactly the seven days, Monday to Sunday, in that order, each once. */
export function checkEntryNames(names: readonly string[], expectedNames: readonly string[], report: VerifyReport): void {
  const sameOrder = names.length === expectedNames.length && names.every((name, index) => name === expectedNames[index]);
  if (sameOrder) {
    report.checks.push(`ZIP entries: exactly the 7 days ${expectedNames[0]} … ${expectedNames[6]}, Monday to Sunday, in order`);
    return;
  }
  if (names.length !== 7) report.problems.push(`ZIP: ${names.length} entries, expected 7 (${expectedNames.join(', ')})`);
  for (const name of expectedNames) if (!names.includes(name)) report.problems.push(`ZIP: missing entry ${name}`);
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const [name, count] of counts) {
    if (!expectedNames.includes(name))
      report.problems.push(
        `ZIP: unexpected entry ${describeValue(name)} (not a day of the week ${expectedNames[0]?.slice(0, 10)} to ${expectedNames[6]?.slice(0, 10)})`,
      );
    if (count > 1) report.problems.push(`ZIP: entry ${describeValue(name)} appears ${count} times`);
  }
  const known = names.filter((name) => expectedNames.includes(name));
  const knownExpected = expectedNames.filter((name) => names.includes(name));
  if (known.length === knownExpected.length && known.some((name, index) => name !== knownExpected[index])) {
    report.problems.push(`ZIP: entries out of order: ${known.join(', ')}; expected ${knownExpected.join(', ')}`);
  }
}
