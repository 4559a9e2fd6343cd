/** Applying the `manifests` input: the app's image references replaced, then one server-side apply. */
import { runContext } from '../../context.js';
import type { Cluster } from './cluster.js';
import { expandManifests, loadManifests, substituteImage } from './manifests.js';

/** In blue-green, what the apply must leave alone: the live colour's Deployment and the Service's slot. */
export interface KeepLive {
  liveDeployment?: string;
  service: string;
  slot?: string;
}

/** Apply the manifests (none given: nothing to do); returns their line for the job summary, if any. */
export async function applyManifests(cluster: Cluster, image: string, keep?: KeepLive): Promise<[string, string][]> {
  const { settings, context } = cluster;
  if (!settings.manifests.length) return [];
  const workspace = runContext().workspace;
  const files = expandManifests(settings.manifests, workspace);
  let objects = loadManifests(files, workspace);
  const substitutions = substituteImage(objects, image);
  for (const s of substitutions) context.log(`${s.object}: container ${s.container} ${s.from} → ${image}`);
  if (!substitutions.length)
    context.warn(
      `No image reference from the repository of ${image} found in the manifests; they are applied unchanged.`,
    );
  if (keep) {
    objects = objects.filter((o) => !(o.kind === 'Deployment' && o.metadata.name === keep.liveDeployment));
    for (const o of objects)
      if (o.kind === 'Service' && o.metadata.name === keep.service && keep.slot && o.spec?.selector)
        o.spec.selector.slot = keep.slot;
  }
  context.log(`Applying ${objects.length} object(s) from ${files.length} manifest file(s) (server-side apply)`);
  const output = await cluster.kubectl.apply(objects, 'apply the manifests');
  if (output) context.log(output);
  return [['manifests', `${objects.length} object(s) applied, ${substitutions.length} image reference(s) replaced`]];
}
