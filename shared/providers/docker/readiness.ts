/**
 * The readiness check: a new or restored release takes traffic only once its
 * readiness path answers 2xx, probed from inside the host's network.
 */
import { CancelledError, untilCancelled } from '../../cancel.js';
import { formatDuration } from '../../duration.js';
import { UserError } from '../../errors.js';
import { runGate } from '../../health/gate.js';
import { parseStatusSet } from '../../status.js';
import type { DeployRequest, ProviderContext, Release } from '../types.js';
import { ipOf, logsOf, runRelease } from './containers.js';
import { waitUntilHealthy } from './health.js';
import type { DockerHost } from './host.js';

const READY = parseStatusSet('2xx')!;

export type ReadinessCheck = Pick<DeployRequest, 'readinessPath' | 'readinessTimeoutMs'>;

export interface Readiness {
  ok: boolean;
  ms: number;
  reason?: string;
}

/** A release container to wait for: where it listens and how its readiness is judged. */
export interface ReadinessTarget {
  host: DockerHost;
  /** The container's id and its address on the release network. */
  id: string;
  ip: string;
  port: number;
  check: ReadinessCheck;
  /** How the log names it (a colour or container name). */
  what: string;
  log: ProviderContext['log'];
}

/** Probe the readiness path until it passes or `readiness-timeout` ends. */
async function waitUntilReady({ host, ip, port, check, what, log }: ReadinessTarget): Promise<Readiness> {
  const reach = await host.reach(ip, port);
  try {
    const url = `${reach.base}${check.readinessPath.startsWith('/') ? '' : '/'}${check.readinessPath}`;
    log(
      `${host.name}: waiting for ${what} to pass ${check.readinessPath} (deadline ${formatDuration(check.readinessTimeoutMs)})`,
    );
    const gate = await runGate({
      url,
      method: 'GET',
      headers: {},
      expectStatus: READY,
      jsonAssertions: [],
      timeoutMs: 5_000,
      intervalMs: 500,
      deadlineMs: check.readinessTimeoutMs,
      successThreshold: 2,
      maxFailures: 3,
      log: (line) => log(`  ${host.name} ${what}: ${line}`),
    });
    return { ok: gate.healthy, ms: gate.durationMs, reason: gate.reason };
  } finally {
    await reach.close();
  }
}

/** A web release without a readiness path: trusted once it has run this long (when the image has no HEALTHCHECK). */
const WEB_READY_AFTER_MS = 5_000;

/** The release's readiness: its readiness path when there is one, else its HEALTHCHECK (or staying up). */
export function waitForRelease(target: ReadinessTarget): Promise<Readiness> {
  const { host, id, what, check, log } = target;
  if (check.readinessPath) return waitUntilReady(target);
  return waitUntilHealthy(
    host,
    id,
    what,
    { timeoutMs: check.readinessTimeoutMs, readyAfterMs: WEB_READY_AFTER_MS },
    log,
  );
}

export interface StartOptions {
  /** A host port mapped straight to the release (recreate); none: only the proxy reaches it (blue-green). */
  publish?: number;
  log: ProviderContext['log'];
  /** After a release that never got ready is removed: put back what can be, and say what is serving now. */
  serving: () => Promise<string>;
  /** The container exists (it is removed by the post step if the main step dies before it serves). */
  started?: (id: string) => void;
}

/**
 * Start the release as `name` and wait until it is ready; one that never is gets removed, its last logs in the error.
 */
export async function startReady(
  host: DockerHost,
  req: DeployRequest,
  release: Release,
  name: string,
  network: string,
  options: StartOptions,
): Promise<{ id: string; ip: string; readyIn: number }> {
  const id = await runRelease(host, req, release, name, network, options.publish);
  options.started?.(id);
  let ip = '';
  let ready: Readiness;
  try {
    ip = await ipOf(host, id, network);
    ready = await untilCancelled(
      waitForRelease({ host, id, ip, port: req.port, check: req, what: name, log: options.log }),
    );
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    await host.docker(['rm', '-f', id], { allowFailure: true });
    const serving = await options.serving();
    throw new CancelledError(`${error.message}: ${release.version} was removed before it took traffic; ${serving}`);
  }
  if (ready.ok) return { id, ip, readyIn: ready.ms };
  const logs = await logsOf(host, id);
  await host.docker(['rm', '-f', id], { allowFailure: true });
  const serving = await options.serving();
  throw new UserError(
    `${host.name}: ${release.version} never became healthy: ${ready.reason}. It was removed; ${serving}.${logs ? `\nLast container logs:\n${logs}` : ''}`,
  );
}
