/**
 * An environment on one host as a deploy starts and ends: its releases, its
 * workers and its proxy, read by one `docker ps` and one `docker inspect`
 * instead of a listing per question.
 */
import type { Target } from '../types.js';
import { inspectEnvironment, releasesOf } from './containers.js';
import type { DockerHost } from './host.js';
import { LABEL, proxyName, type AppContainer, type Inspected } from './labels.js';
import { workerOf, type Worker } from './workers.js';

export interface Snapshot {
  /** Newest first. */
  releases: AppContainer[];
  workers: Worker[];
  /** The environment's own proxy (proxy-mode "own"), when it exists. */
  proxy?: Inspected;
}

export async function snapshotOf(host: DockerHost, target: Target): Promise<Snapshot> {
  const all = await inspectEnvironment(host, target);
  const withRole = (role: string) => all.filter((c) => c.Config.Labels?.[LABEL.role] === role);
  return {
    releases: releasesOf(target, withRole('app')),
    workers: withRole('worker').map((c) => workerOf(host, c)),
    proxy: withRole('proxy').find((c) => c.Name.replace(/^\//, '') === proxyName(target)),
  };
}
