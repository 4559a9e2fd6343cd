import type { RunContext } from '../context.js';
import type { RepositoryMetadata } from '../github/repository.js';

export const OCI = 'org.opencontainers.image';

/**
 * The OCI annotations every image gets, from the repository (description and
 * licence are only known from the event or the API) and the run. Extra
 * labels given by the user win over these.
 */
export function ociLabels(
  ctx: RunContext,
  repo: RepositoryMetadata,
  image: { version: string; revision: string },
  created: Date,
  extra: Record<string, string> = {},
): Record<string, string> {
  const url = repo.html_url || (ctx.repository ? `${ctx.serverUrl}/${ctx.repository}` : '');
  const spdx = repo.license?.spdx_id;
  return {
    [`${OCI}.title`]: repo.name || ctx.repo,
    [`${OCI}.description`]: repo.description ?? '',
    [`${OCI}.url`]: url,
    [`${OCI}.source`]: url,
    [`${OCI}.version`]: image.version,
    [`${OCI}.created`]: created.toISOString(),
    [`${OCI}.revision`]: image.revision,
    [`${OCI}.licenses`]: spdx && spdx !== 'NOASSERTION' ? spdx : '',
    ...extra,
  };
}
