/**
 * The noisy-neighbour figure (P7 item 6): one organization's costliest allowed free-text query,
 * sent back to back, must not move another organization's first-page p50 on the same shard.
 */
import type { BenchOrg } from './dataset';
import { figure, latency, round, timedFetch, type Figure } from './measure';

/**
 * The worst free text the grammar allows: eight (the most) two-letter prefixes (the shortest),
 * each a prefix of a word in most generated events, so every posting list is long.
 */
const HOSTILE_TEXT = 'gu pa ch in ga se bi le';

export async function noisyNeighbour(baseUrl: string, victim: BenchOrg, attacker: BenchOrg, repeat: number): Promise<Figure[]> {
  const list =
    (org: BenchOrg, query = '') =>
    () =>
      timedFetch(`${baseUrl}/api/v1/organizations/${org.id}/audit-logs${query}`, { headers: { authorization: `Bearer ${org.ownerKey}` } });
  const hostile = list(attacker, `?filters.q=${encodeURIComponent(HOSTILE_TEXT)}`);
  const alone = await latency(repeat, 3, list(victim));
  const attack = await latency(3, 1, hostile);

  // Two attackers loop until the victim's samples are taken.
  let attacking = true;
  let attacks = 0;
  const loop = async () => {
    while (attacking) {
      const answer = await hostile();
      if (answer.status >= 300) throw new Error(`hostile query failed: ${answer.status} ${answer.body.slice(0, 200)}`);
      attacks += 1;
    }
  };
  const attackers = [loop(), loop()];
  const during = await latency(repeat, 1, list(victim)).finally(() => {
    attacking = false;
  });
  await Promise.all(attackers);

  const sameShard = victim.shard === attacker.shard ? 'same shard' : `other shard (${attacker.shard})`;
  return [
    figure({
      section: 'Query',
      name: `another organization's first page p50 while one runs its costliest free text back to back (2 clients, ${sameShard})`,
      value: during.p50,
      unit: 'ms',
      baselineName: 'the same, alone',
      baseline: alone.p50,
      goal: '≤ 1.5× alone',
      pass: during.p50 <= 1.5 * alone.p50,
      note: `${attacks} hostile queries ran meanwhile; p95 ${round(during.p95)} ms vs ${round(alone.p95)} ms alone`,
    }),
    figure({
      section: 'Query',
      name: `costliest allowed free text ("${HOSTILE_TEXT}") p50, on the attacker's own 1M events`,
      value: attack.p50,
      unit: 'ms',
      baselineName: 'victim first page p50',
      baseline: alone.p50,
      goal: '',
      pass: null,
      note: 'organization-scoped index: proportional to its own data only',
    }),
  ];
}
