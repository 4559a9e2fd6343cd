/**
 * Blue-green on Docker hosts: the new colour starts on the environment's
 * network beside the live one and must be ready on every host before any
 * proxy moves to it; then each host's proxy switches and the old colour is
 * stopped (kept for rollback).
 */
import { formatDuration } from '../../duration.js';
import { UserError } from '../../errors.js';
import type { DeployRequest, DeployResult, ProviderContext, Release, Target } from '../types.js';
import { ensureNetwork, freeName, ipOf, listReleases, liveOf } from './containers.js';
import type { DockerHost } from './host.js';
import { colorName, networkName, otherColor, type AppContainer, type Color } from './labels.js';
import type { TrafficRouter } from './proxy.js';
import { startReady } from './readiness.js';

/** A release started on one host, not yet taking traffic. */
interface Started {
  host: DockerHost;
  live?: AppContainer;
  fresh: { id: string; name: string; color: Color; ip: string; port: number };
  readyIn: number;
}

export async function deployBlueGreen(hosts: DockerHost[], req: DeployRequest, release: Release, proxy: TrafficRouter, log: ProviderContext['log']): Promise<Pick<DeployResult, 'previous' | 'details'>> {
  const started = await startEverywhere(hosts, req, release, log);
  const details: [string, string][] = [];
  let previous: Release | undefined;
  for (const s of started) {
    await proxy.switchTo(s.host, req, s.fresh, req.readinessPath);
    if (s.live) await s.host.docker(['stop', '-t', '10', s.live.id], { allowFailure: true });
    previous ??= s.live?.release;
    details.push([
      s.host.name,
      `${s.live ? `${s.live.color ?? s.live.name} (${s.live.release.version}) → ` : ''}${s.fresh.color} (${release.version}), healthy in ${formatDuration(s.readyIn)}, proxy on :${req.publish}`,
    ]);
  }
  return { previous, details };
}

/** Phase one on every host: no proxy switches until the new colour is ready everywhere; if one host fails, the others' are removed. */
async function startEverywhere(hosts: DockerHost[], req: DeployRequest, release: Release, log: ProviderContext['log']): Promise<Started[]> {
  const started: Started[] = [];
  try {
    for (const host of hosts) started.push(await startColor(host, req, release, log));
  } catch (error) {
    for (const s of started) await s.host.docker(['rm', '-f', s.fresh.id], { allowFailure: true });
    throw error;
  }
  return started;
}

/** The new colour runs and is ready, with no traffic yet. */
async function startColor(host: DockerHost, req: DeployRequest, release: Release, log: ProviderContext['log']): Promise<Started> {
  const network = await ensureNetwork(host, req);
  const containers = await listReleases(host, req);
  const live = liveOf(containers);
  const color = otherColor(live?.color);
  await freeName(host, req, color, containers);
  const name = colorName(req, color);
  log(`${host.name}: starting ${name} (${release.version}) beside ${live ? `${live.name} (${live.release.version})` : 'nothing (first release)'}`);
  const { id, ip, readyIn } = await startReady(host, req, release, name, network, {
    log,
    serving: async () => (live ? `${live.release.version} keeps serving` : 'nothing was serving'),
  });
  return { host, live, fresh: { id, name, color, ip, port: req.port }, readyIn };
}

/** Send every host's proxy to `release`, which must already run there as blue or green. */
export async function switchTraffic(hosts: DockerHost[], target: Target, release: Release, proxy: TrafficRouter): Promise<void> {
  for (const host of hosts) {
    const found = (await listReleases(host, target)).find((c) => c.release.version === release.version && c.running && c.color);
    if (!found) throw new UserError(`${host.name}: ${release.version} is not running as blue or green`);
    const publish = await proxy.routed(host, target);
    if (!publish) throw new UserError(`${host.name}: ${target.service} on ${target.environment} has no proxy route (blue-green was never deployed here)`);
    const ip = await ipOf(host, found.id, networkName(target));
    await proxy.switchTo(host, { ...target, publish }, { ip, port: found.port, color: found.color! }, '/');
  }
}
