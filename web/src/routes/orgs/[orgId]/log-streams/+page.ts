import { listLogStreams } from '#lib/log-streams/log-streams.ts';
import { listInstances } from '#lib/shell/instances.ts';
import { problemForInline } from '#lib/shell/load-errors.ts';
import { canConfigureLogStreams } from '#lib/shell/roles.ts';
import type { PageLoad } from './$types';

// Log streams are for owners (the tab is hidden for others); a direct link gets a clear page instead of a failed request.
export const load: PageLoad = async ({ fetch, parent, url }) => {
  const { org } = await parent();
  if (!canConfigureLogStreams(org.role)) return { forbidden: true, streams: [], instances: [], problem: null };
  try {
    const [streams, instances] = await Promise.all([listLogStreams(fetch, org.id), listInstances(fetch, org.id).catch(() => [])]);
    return { forbidden: false, streams, instances, problem: null };
  } catch (cause) {
    return { forbidden: false, streams: [], instances: [], problem: problemForInline(cause, url) };
  }
};
