/**
 * The proxy switch: each environment's nginx proxy on a host (its
 * configuration is proxy-config.ts) is created on first use, then pointed at
 * the live colour by a graceful reload, confirmed before the old colour stops.
 */
import { UserError } from '../../errors.js';
import { tail } from '../../exec.js';
import { request } from '../../http.js';
import { requestAs } from './host-header.js';
import { sleep } from '../../retry.js';
import type { ProviderContext, Target } from '../types.js';
import { inspectContainer, ipOf, listReleases } from './containers.js';
import type { DockerHost } from './host.js';
import { LABEL, labelArgs, networkName, proxyName, targetLabels, type Color, type Inspected } from './labels.js';
import {
  COLOR_HEADER,
  PROXY_CONFIG,
  PROXY_CONFIG_DIR,
  PROXY_CONFIG_FILE,
  PROXY_PORT,
  proxyCommand,
  proxyConfig,
} from './proxy-config.js';
import type { ImagePuller } from './pull.js';
import { tarOf } from './tar.js';

export interface Upstream {
  ip: string;
  port: number;
  color: Color;
}

export type Published = Target & { publish: number };

/** The environment's proxy as the caller last inspected it (undefined: it has none), sparing a call to ask again. */
export interface KnownProxy {
  proxy: Inspected | undefined;
}

/** What moves an environment's traffic: its own proxy (ProxySwitch) or the host's shared ingress (SharedIngress). */
export interface TrafficRouter {
  /** Send the environment's traffic on `host` to `upstream`, confirmed on `path` before returning. */
  switchTo(host: DockerHost, target: Published, upstream: Upstream, path: string, known?: KnownProxy): Promise<void>;
  /** The port the environment is served on when it is routed on `host` (blue-green was deployed there). */
  routed(host: DockerHost, target: Target): Promise<number | undefined>;
}

export class ProxySwitch implements TrafficRouter {
  constructor(
    private readonly image: string,
    private readonly images: ImagePuller,
    private readonly context: ProviderContext,
  ) {}

  /**
   * Point the host's proxy at `upstream` (creating the proxy on first use), reload gracefully, and confirm on `path`.
   */
  async switchTo(
    host: DockerHost,
    target: Published,
    upstream: Upstream,
    path: string,
    known?: KnownProxy,
  ): Promise<void> {
    const name = proxyName(target);
    const config = tarOf({ [PROXY_CONFIG_FILE]: proxyConfig(upstream) });
    let proxy = known ? known.proxy : await inspectContainer(host, name);
    if (proxy && proxy.Config.Labels?.[LABEL.publish] !== String(target.publish)) {
      this.context.warn(
        `${host.name}: the proxy published port changes to ${target.publish}; recreating ${name} (a short interruption)`,
      );
      await host.docker(['rm', '-f', name]);
      proxy = undefined;
    }
    if (proxy) await this.reload(host, name, proxy, config, upstream.color);
    else await this.create(host, target, config, upstream.color);
    // A reload keeps a running proxy's address: a new or restarted one is asked for its own.
    await confirmSwitch(host, proxy?.State.Running ? proxy : name, networkName(target), upstream.color, path);
  }

  async routed(host: DockerHost, target: Target): Promise<number | undefined> {
    const existing = await inspectContainer(host, proxyName(target));
    return Number(existing?.Config.Labels?.[LABEL.publish]) || undefined;
  }

  private async create(host: DockerHost, target: Published, config: string, color: Color): Promise<void> {
    const name = proxyName(target);
    const image = this.image;
    if ((await host.docker(['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true })).code !== 0)
      await this.images.pull(host, image, 'proxy');
    await this.takeOverPort(host, target);
    const labels = { ...targetLabels(target, 'proxy'), [LABEL.publish]: String(target.publish) };
    await host.docker([
      'create',
      '--name',
      name,
      '--network',
      networkName(target),
      '--publish',
      `${target.publish}:${PROXY_PORT}`,
      '--restart',
      'unless-stopped',
      ...labelArgs(labels),
      image,
      ...proxyCommand(),
    ]);
    await host.docker(['cp', '-', `${name}:${PROXY_CONFIG_DIR}`], { input: config });
    const started = await host.docker(['start', name], { allowFailure: true });
    if (started.code !== 0) {
      await host.docker(['rm', '-f', name], { allowFailure: true });
      throw new UserError(
        `${host.name}: could not start the proxy on port ${target.publish}: ${tail(started.stderr, 3)}`,
      );
    }
    this.context.log(`${host.name}: started proxy ${name} on port ${target.publish} → ${color}`);
  }

  /** A recreate-mode release holds the published port; blue-green takes it over from here. */
  private async takeOverPort(host: DockerHost, target: Published): Promise<void> {
    for (const c of await listReleases(host, target)) {
      if (c.running && (await publishes(host, c.id, target.publish))) {
        this.context.warn(
          `${host.name}: ${c.name} (recreate) holds port ${target.publish}; stopping it for the proxy (a short interruption)`,
        );
        await host.docker(['stop', '-t', '10', c.id]);
      }
    }
  }

  private async reload(host: DockerHost, name: string, proxy: Inspected, config: string, color: Color): Promise<void> {
    if (!proxy.State.Running) await host.docker(['start', name]);
    // Write, test, then reload by SIGHUP to nginx (the container's main process): one round trip over ssh.
    const { failed, result } = await host.dockerChain(
      [
        ['cp', '-', `${name}:${PROXY_CONFIG_DIR}`],
        ['exec', name, 'nginx', '-t', '-c', PROXY_CONFIG],
        ['kill', '--signal', 'HUP', name],
      ],
      config,
    );
    if (failed >= 0) {
      const why = [
        'could not write the proxy configuration',
        'the proxy rejected its new configuration',
        'could not reload the proxy',
      ][failed];
      throw new UserError(`${host.name}: ${why}: ${tail(result.stderr || result.stdout, 4)}`);
    }
    this.context.log(`${host.name}: reloaded proxy ${name} → ${color}`);
  }
}

async function publishes(host: DockerHost, id: string, port: number): Promise<boolean> {
  const out = await host.docker(['port', id], { allowFailure: true });
  return out.stdout.split('\n').some((line) => line.trim().endsWith(`:${port}`));
}

/**
 * After a reload, old nginx workers may still answer for a moment: only when
 * several consecutive answers come from the new colour is the old one safe to stop.
 */
export async function confirmSwitch(
  host: DockerHost,
  proxy: string | Inspected,
  network: string,
  color: Color,
  path: string,
  hostName?: string,
): Promise<void> {
  const ip =
    (typeof proxy !== 'string' && proxy.NetworkSettings.Networks?.[network]?.IPAddress) ||
    (await ipOf(host, typeof proxy === 'string' ? proxy : proxy.Id, network));
  const reach = await host.reach(ip, PROXY_PORT);
  try {
    const deadline = Date.now() + 30_000;
    let streak = 0;
    let last = '';
    while (streak < 5) {
      if (Date.now() > deadline)
        throw new UserError(`${host.name}: the proxy did not switch to ${color} within 30s (last answer: ${last})`);
      try {
        const response = await answerOf(`${reach.base}${path}`, hostName);
        const answered = response.color ?? 'no colour';
        last = `${response.status} from ${answered}`;
        streak = answered === color ? streak + 1 : 0;
      } catch (error) {
        last = (error as Error).message;
        streak = 0;
      }
      if (streak < 5) await sleep(50);
    }
  } finally {
    await reach.close();
  }
}

/** One answer's status and colour; with `hostName`, asked as that name (how the shared ingress routes). */
async function answerOf(url: string, hostName: string | undefined): Promise<{ status: number; color?: string }> {
  if (hostName) {
    const answer = await requestAs(url, hostName, 2_000);
    return { status: answer.status, color: answer.headers[COLOR_HEADER] };
  }
  const response = await request({ url, retries: 0, timeoutMs: 2_000 });
  return { status: response.status, color: response.headers.get(COLOR_HEADER) ?? undefined };
}
