import { error } from '@sveltejs/kit';
import { findLogStream, listDeliveries } from '#lib/log-streams/log-streams.ts';
import { listInstances } from '#lib/shell/instances.ts';
import { rethrowForLoad } from '#lib/shell/load-errors.ts';
import { canConfigureLogStreams } from '#lib/shell/roles.ts';
import type { PageLoad } from './$types';

export const load: PageLoad = async ({ fetch, params, parent, url }) => {
  const { org } = await parent();
  if (!canConfigureLogStreams(org.role)) error(403, `Only owners of ${org.name} can see its log streams.`);
  try {
    const stream = await findLogStream(fetch, org.id, params.streamId);
    if (!stream) error(404, "This log stream doesn't exist in this organization (it may have been deleted).");
    const [deliveries, instances] = await Promise.all([
      listDeliveries(fetch, org.id, stream.id),
      listInstances(fetch, org.id).catch(() => []),
    ]);
    return { stream, deliveries, instances };
  } catch (cause) {
    rethrowForLoad(cause, url);
  }
};
