/**
 * Recreate on Docker hosts: the live release stops and the new one starts on
 * the published port itself (no proxy; a short interruption). A new release
 * that never gets ready is removed and the old one started again.
 */
import { formatDuration } from '../../duration.js';
import type { DeployRequest, DeployResult, ProviderContext, Release } from '../types.js';
import { ensureNetwork, freeName, inspectContainer, listReleases, liveOf } from './containers.js';
import type { DockerHost } from './host.js';
import { colorName, otherColor, proxyName, type AppContainer } from './labels.js';
import { startReady } from './readiness.js';

export async function deployRecreate(
  hosts: DockerHost[],
  req: DeployRequest,
  release: Release,
  log: ProviderContext['log'],
): Promise<Pick<DeployResult, 'previous' | 'details'>> {
  const details: [string, string][] = [];
  let previous: Release | undefined;
  for (const host of hosts) {
    const { live, readyIn } = await recreate(host, req, release, log);
    previous ??= live?.release;
    details.push([
      host.name,
      `recreate: ${live ? `${live.release.version} → ` : ''}${release.version}, healthy in ${formatDuration(readyIn)}`,
    ]);
  }
  return { previous, details };
}

/** Stop the old release, start the new one on the published port. */
async function recreate(
  host: DockerHost,
  req: DeployRequest,
  release: Release,
  log: ProviderContext['log'],
): Promise<{ live?: AppContainer; readyIn: number }> {
  const network = await ensureNetwork(host, req);
  const proxy = await inspectContainer(host, proxyName(req));
  if (proxy) {
    log(`${host.name}: removing the blue-green proxy (recreate serves the container directly)`);
    await host.docker(['rm', '-f', proxyName(req)]);
  }
  const containers = await listReleases(host, req);
  const live = liveOf(containers);
  if (live) {
    log(`${host.name}: stopping ${live.name} (${live.release.version})`);
    await host.docker(['stop', '-t', '10', live.id]);
  }
  const color = otherColor(live?.color);
  await freeName(host, req, color, containers);
  const { readyIn } = await startReady(host, req, release, colorName(req, color), network, {
    publish: req.publish,
    log,
    serving: async () => {
      const restored = live && (await host.docker(['start', live.id], { allowFailure: true })).code === 0;
      return restored ? `${live.release.version} was started again` : 'nothing is serving';
    },
  });
  return { live, readyIn };
}
