/**
 * Rollback on Docker hosts: an earlier release's stopped container starts
 * again, must pass the readiness check, then takes the traffic (through the
 * proxy, for blue-green); the release it replaces is kept, named failed.
 */
import { CancelledError, untilCancelled } from '../../cancel.js';
import { formatDuration } from '../../duration.js';
import { UserError } from '../../errors.js';
import type { ProviderContext, RollbackRequest } from '../types.js';
import { ensureNetwork, freeName, ipOf, listReleases, liveOf } from './containers.js';
import type { DockerHost } from './host.js';
import { colorName, otherColor, retiredName, type AppContainer } from './labels.js';
import type { TrafficRouter } from './proxy.js';
import { waitForRelease } from './readiness.js';

/** On one host: what is live, and the release to return to. */
export interface RollbackPlan {
  host: DockerHost;
  live?: AppContainer;
  back: AppContainer;
}

/** The release to return to on every host (the same version on each), found before anything changes. */
export async function planRollback(hosts: DockerHost[], req: RollbackRequest): Promise<RollbackPlan[]> {
  const plans: RollbackPlan[] = [];
  for (const host of hosts) {
    const containers = await listReleases(host, req);
    const live = liveOf(containers);
    const candidates = containers.filter(
      (c) =>
        c !== live &&
        (req.to ? c.release.version === req.to || c.release.image === req.to : c.release.status === 'previous'),
    );
    const back = plans[0] ? candidates.find((c) => c.release.version === plans[0].back.release.version) : candidates[0];
    if (!back) {
      const kept = containers.filter((c) => c !== live).map((c) => `${c.release.version} (${c.release.status})`);
      throw new UserError(
        `${host.name}: no ${req.to ? `release ${req.to}` : 'previous release'} of ${req.service} on ${req.environment} to roll back to (kept: ${kept.join(', ') || 'none'}); nothing was changed.`,
      );
    }
    plans.push({ host, live, back });
  }
  return plans;
}

/** Put the planned release back live on its host; returns its line for the job summary. */
export async function restore(
  { host, live, back }: RollbackPlan,
  req: RollbackRequest,
  proxy: TrafficRouter,
  log: ProviderContext['log'],
): Promise<[string, string]> {
  const network = await ensureNetwork(host, req);
  const containers = await listReleases(host, req);
  const color = back.color && !back.running ? back.color : otherColor(live?.color);
  await freeName(host, req, color, containers, back.id);
  if (back.name !== colorName(req, color)) await host.docker(['rename', back.id, colorName(req, color)]);
  const blueGreen = (await proxy.routed(host, req)) !== undefined;
  if (!blueGreen && live) await host.docker(['stop', '-t', '10', live.id]);
  await host.docker(['start', back.id]);
  const ip = await ipOf(host, back.id, network);
  // A cancel stops the wait as a failed check would: the release put back is stopped, the live one keeps serving.
  const ready = await untilCancelled(
    waitForRelease({ host, id: back.id, ip, port: back.port, check: req, what: colorName(req, color), log }),
  ).catch((error: unknown) => {
    if (error instanceof CancelledError) return { ok: false, ms: 0, reason: error.message };
    throw error;
  });
  if (!ready.ok) {
    // It never took traffic, so nothing needs draining: a second's grace keeps a cancel's cleanup well inside the
    // runner's 7.5 s before SIGTERM (an app ignoring SIGTERM would otherwise hold `docker stop` for 10 s).
    await host.docker(['stop', '-t', '1', back.id], { allowFailure: true });
    if (!blueGreen && live) await host.docker(['start', live.id], { allowFailure: true });
    throw new UserError(
      `${host.name}: ${back.release.version} did not become healthy again: ${ready.reason}; ${live ? `${live.release.version} keeps serving` : 'nothing is serving'}.`,
    );
  }
  if (blueGreen) await proxy.switchTo(host, req, { ip, port: back.port, color }, req.readinessPath);
  if (live) {
    await host.docker(['stop', '-t', '10', live.id], { allowFailure: true });
    await host.docker(['rename', live.id, retiredName(req, 'failed')]);
  }
  return [
    host.name,
    `${live ? `${live.release.version} (now failed) → ` : ''}${back.release.version}, healthy in ${formatDuration(ready.ms)}`,
  ];
}
