/**
 * The noisy-neighbour figure (P7 item 6): one organization's costliest allowed free-text query,
 * sent back to back, must not move another organization's first-page p50 on the same shard.
 *
 * The attacker ignores 429s (it is hostile); the victim polls every VICTIM_PAUSE_MS, so its samples
 * span more than one 10-second window of the free-text budget (worker/middleware/free-text-budget.ts):
 * the budget lets a burst of the attacker's queries through at the start of each window, and a
 * victim measured only inside that burst, or only outside it, would not see what a neighbour sees
 * over time. The p95 in the note shows the burst.
 *
 * Locally every request, and every D1 database, shares one workerd process: any client sending
 * requests back to back slows every other one, whatever it asks. So the victim is also measured
 * while the attacker sends its plain first page (no free text) back to back the same way: the
 * free-text figure beside that one is what free text costs a neighbour beyond any traffic. The
 * victim alone is measured before and after (the machine's speed drifts), and the baseline is
 * their mean.
 */
import type { BenchOrg } from './dataset.ts';
import { type Figure, figure, latency, round, type Timed, timedFetch } from './measure.ts';

/**
 * The worst free text the grammar allows: eight (the most) two-letter prefixes (the shortest),
 * each a prefix of a word in most generated events, so every posting list is long.
 */
const HOSTILE_TEXT = 'gu pa ch in ga se bi le';
const VICTIM_PAUSE_MS = 250;

interface Attack {
  p50: number;
  p95: number;
  seconds: number;
  answered: number;
  refused: number;
}

/** The victim's paced samples while two clients send `request` back to back, ignoring 429s. */
async function victimDuring(victim: () => Promise<Timed>, request: () => Promise<Timed>, repeat: number): Promise<Attack> {
  let attacking = true;
  let answered = 0;
  let refused = 0;
  const loop = async () => {
    while (attacking) {
      const answer = await request();
      if (answer.status === 429) refused += 1;
      else if (answer.status >= 300) throw new Error(`attacker's request failed: ${answer.status} ${answer.body.slice(0, 200)}`);
      else answered += 1;
    }
  };
  const attackers = [loop(), loop()];
  const started = performance.now();
  const during = await latency(repeat, 1, victim, VICTIM_PAUSE_MS).finally(() => {
    attacking = false;
  });
  const seconds = (performance.now() - started) / 1000;
  await Promise.all(attackers);
  return { p50: during.p50, p95: during.p95, seconds, answered, refused };
}

export async function noisyNeighbour(baseUrl: string, victim: BenchOrg, attacker: BenchOrg, repeat: number): Promise<Figure[]> {
  const list =
    (org: BenchOrg, query = '') =>
    () =>
      timedFetch(`${baseUrl}/api/v1/organizations/${org.id}/audit-logs${query}`, { headers: { authorization: `Bearer ${org.ownerKey}` } });
  const hostile = list(attacker, `?filters.q=${encodeURIComponent(HOSTILE_TEXT)}`);
  const before = await latency(repeat, 3, list(victim), VICTIM_PAUSE_MS);
  const attack = await latency(3, 1, hostile);
  const plain = await victimDuring(list(victim), list(attacker), repeat);
  const freeText = await victimDuring(list(victim), hostile, repeat);
  const after = await latency(repeat, 1, list(victim), VICTIM_PAUSE_MS);
  const alone = (before.p50 + after.p50) / 2;

  const sameShard = victim.shard === attacker.shard ? 'same shard' : `other shard (${attacker.shard})`;
  const what = (run: Attack, kind: string) =>
    `over ${round(run.seconds)} s, ${run.answered} ${kind} answered and ${run.refused} refused (429); victim p95 ${round(run.p95)} ms`;
  return [
    figure({
      section: 'Query',
      name: `another organization's first page p50 while one runs its costliest free text back to back (2 clients, ${sameShard})`,
      value: freeText.p50,
      unit: 'ms',
      baselineName: 'the same, alone (mean of before and after)',
      baseline: alone,
      goal: '≤ 1.5× alone',
      pass: freeText.p50 <= 1.5 * alone,
      note: `${what(freeText, 'hostile queries')} (alone: p50 ${round(before.p50)} ms before, ${round(after.p50)} ms after; p95 ${round(before.p95)} ms before)`,
    }),
    figure({
      section: 'Query',
      name: `the same, beside the victim while the attacker sends its plain first page back to back (2 clients, ${sameShard})`,
      value: freeText.p50,
      unit: 'ms',
      baselineName: 'victim p50 during plain traffic',
      baseline: plain.p50,
      goal: '≤ 1.2× (free text costs a neighbour no more than any traffic)',
      pass: freeText.p50 <= 1.2 * plain.p50,
      note: what(plain, 'plain pages'),
    }),
    figure({
      section: 'Query',
      name: `costliest allowed free text ("${HOSTILE_TEXT}") p50, on the attacker's own 1M events`,
      value: attack.p50,
      unit: 'ms',
      baselineName: 'victim first page p50',
      baseline: before.p50,
      goal: '',
      pass: null,
      note: 'organization-scoped index: proportional to its own data only; charged to its organization’s free-text budget',
    }),
  ];
}
