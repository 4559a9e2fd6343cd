/**
 * Removing an environment from Docker hosts (a closed pull request's
 * preview): its containers of every role, its route on the shared ingress,
 * its network, and its named volumes only when asked. Done under the
 * environment's deploy lock, so a deploy still running is waited for.
 */
import { runContext } from '../../context.js';
import type { ProviderContext, Release, TeardownRequest } from '../types.js';
import { inspectEnvironment } from './containers.js';
import type { DockerHost } from './host.js';
import type { SharedIngress } from './ingress.js';
import { LABEL, networkName, type Inspected } from './labels.js';
import type { DeployLocks } from './lock.js';

type WithMounts = Inspected & { Config: { Image?: string }; Mounts?: { Type: string; Name?: string }[] };

export async function teardownHost(
  host: DockerHost,
  req: TeardownRequest,
  ingress: SharedIngress,
  locks: DeployLocks,
  context: ProviderContext,
): Promise<string[]> {
  const removed: string[] = [];
  const containers = await environmentContainers(host, req);
  const lockImage = containers.find((c) => c.Config.Labels?.[LABEL.role] !== 'lock')?.Config.Image;
  if (lockImage) {
    const holder: Release = {
      image: lockImage,
      version: 'teardown',
      time: '',
      commit: '',
      runUrl: runContext().runUrl,
      status: 'live',
    };
    await locks.take(host, req, holder, lockImage);
  }
  try {
    if (await ingress.removeRoute(host, req)) removed.push(`route on ${ingress.containerName}`);
    const volumes = new Set<string>();
    const own = (await environmentContainers(host, req)).filter((c) => c.Config.Labels?.[LABEL.role] !== 'lock');
    for (const c of own) for (const m of c.Mounts ?? []) if (m.Type === 'volume' && m.Name) volumes.add(m.Name);
    if (own.length) {
      // -v: anonymous volumes go with their container only when volumes are to go.
      await host.docker(['rm', '-f', ...(req.removeVolumes ? ['-v'] : []), ...own.map((c) => c.Id)]);
      removed.push(...own.map((c) => `container ${c.Name.replace(/^\//, '')}`));
    }
    const network = networkName(req);
    if ((await host.docker(['network', 'rm', network], { allowFailure: true })).code === 0)
      removed.push(`network ${network}`);
    if (req.removeVolumes) {
      for (const volume of volumes)
        if ((await host.docker(['volume', 'rm', volume], { allowFailure: true })).code === 0)
          removed.push(`volume ${volume}`);
    } else if (volumes.size)
      context.log(
        `${host.name}: kept volume${volumes.size === 1 ? '' : 's'} ${[...volumes].join(', ')} (remove-volumes: false)`,
      );
  } finally {
    await locks.releaseAll();
  }
  return removed;
}

/** Every container labelled with the environment (releases, proxy, lock), inspected. */
async function environmentContainers(host: DockerHost, req: TeardownRequest): Promise<WithMounts[]> {
  return inspectEnvironment<WithMounts>(host, req);
}
