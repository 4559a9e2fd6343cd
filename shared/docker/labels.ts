import type { RunContext } from '../context.js';

export const OCI = 'org.opencontainers.image';

interface EventRepository {
  name?: string;
  description?: string | null;
  html_url?: string;
  license?: { spdx_id?: string | null } | null;
}

/**
 * The OCI annotations every image gets, from the repository as the event
 * describes it (description and licence are only there) and the run. Extra
 * labels given by the user win over these.
 */
export function ociLabels(ctx: RunContext, version: string, created: Date, extra: Record<string, string> = {}): Record<string, string> {
  const repo = ((ctx.event as { repository?: EventRepository }).repository ?? {}) as EventRepository;
  const url = repo.html_url || (ctx.repository ? `${ctx.serverUrl}/${ctx.repository}` : '');
  const spdx = repo.license?.spdx_id;
  return {
    [`${OCI}.title`]: repo.name || ctx.repo,
    [`${OCI}.description`]: repo.description ?? '',
    [`${OCI}.url`]: url,
    [`${OCI}.source`]: url,
    [`${OCI}.version`]: version,
    [`${OCI}.created`]: created.toISOString(),
    [`${OCI}.revision`]: ctx.sha,
    [`${OCI}.licenses`]: spdx && spdx !== 'NOASSERTION' ? spdx : '',
    ...extra,
  };
}
