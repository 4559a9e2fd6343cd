/**
 * Blue-green on Docker hosts: the new colour starts on the environment's
 * network beside the live one and must be ready on every host before any
 * proxy moves to it; then each host's proxy switches and the old colour is
 * stopped (kept for rollback).
 */
import { throwIfCancelled } from '../../cancel.js';
import { formatDuration } from '../../duration.js';
import type { DeployRequest, DeployResult, ProviderContext, Release } from '../types.js';
import { freeName, liveOf } from './containers.js';
import type { DockerHost } from './host.js';
import type { Leftovers } from './leftovers.js';
import type { PhaseTimes } from './phases.js';
import { colorName, networkName, otherColor, type AppContainer, type Color } from './labels.js';
import type { Snapshot } from './snapshot.js';
import type { TrafficRouter } from './proxy.js';
import { startReady } from './readiness.js';

/** A release started on one host, not yet taking traffic. */
interface Started {
  host: DockerHost;
  live?: AppContainer;
  fresh: { id: string; name: string; color: Color; ip: string; port: number };
  readyIn: number;
}

export async function deployBlueGreen(
  hosts: DockerHost[],
  snapshots: Snapshot[],
  req: DeployRequest,
  release: Release,
  proxy: TrafficRouter,
  log: ProviderContext['log'],
  leftovers: Leftovers,
  phases: PhaseTimes,
): Promise<Pick<DeployResult, 'previous' | 'details'>> {
  const started = await startEverywhere(hosts, snapshots, req, release, log, leftovers, phases);
  const details: [string, string][] = [];
  let previous: Release | undefined;
  for (const [i, s] of started.entries()) {
    // Before the switch: a kill during it may leave a stray container, never remove a serving one.
    leftovers.done(s.fresh.id);
    const known = { proxy: snapshots[i].proxy };
    await phases.time('switch', () => proxy.switchTo(s.host, req, s.fresh, req.readinessPath, known));
    const live = s.live;
    if (live) await phases.time('drain', () => s.host.docker(['stop', '-t', '10', live.id], { allowFailure: true }));
    previous ??= s.live?.release;
    details.push([
      s.host.name,
      `${s.live ? `${s.live.color ?? s.live.name} (${s.live.release.version}) → ` : ''}${s.fresh.color} (${release.version}), healthy in ${formatDuration(s.readyIn)}, proxy on :${req.publish}`,
    ]);
  }
  return { previous, details };
}

/**
 * Phase one on every host: no proxy switches until the new colour is ready everywhere; if one host fails, the others'
 * are removed.
 */
async function startEverywhere(
  hosts: DockerHost[],
  snapshots: Snapshot[],
  req: DeployRequest,
  release: Release,
  log: ProviderContext['log'],
  leftovers: Leftovers,
  phases: PhaseTimes,
): Promise<Started[]> {
  const started: Started[] = [];
  try {
    for (const [i, host] of hosts.entries()) {
      const t0 = performance.now();
      const s = await startColor(host, snapshots[i].releases, req, release, log, (id) =>
        leftovers.add(host, id, 'release'),
      );
      // startReady's time minus the readiness gate's: creating the network, the container and finding its address.
      phases.add('start', performance.now() - t0 - s.readyIn);
      phases.add('ready', s.readyIn);
      started.push(s);
    }
    // Cancelled once every colour is ready: none has traffic yet, so none stays.
    throwIfCancelled();
  } catch (error) {
    for (const s of started) {
      const removed = await s.host.docker(['rm', '-f', s.fresh.id], { allowFailure: true });
      if (removed.code === 0) leftovers.done(s.fresh.id);
    }
    throw error;
  }
  return started;
}

/** The new colour runs and is ready, with no traffic yet. */
async function startColor(
  host: DockerHost,
  containers: AppContainer[],
  req: DeployRequest,
  release: Release,
  log: ProviderContext['log'],
  onStart: (id: string) => void,
): Promise<Started> {
  const network = networkName(req);
  const live = liveOf(containers);
  const color = otherColor(live?.color);
  await freeName(host, req, color, containers);
  const name = colorName(req, color);
  log(
    `${host.name}: starting ${name} (${release.version}) beside ${live ? `${live.name} (${live.release.version})` : 'nothing (first release)'}`,
  );
  const { id, ip, readyIn } = await startReady(host, req, release, name, network, {
    log,
    started: onStart,
    serving: () => Promise.resolve(live ? `${live.release.version} keeps serving` : 'nothing was serving'),
  });
  return { host, live, fresh: { id, name, color, ip, port: req.port }, readyIn };
}
