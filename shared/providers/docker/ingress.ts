/**
 * The shared ingress: one nginx per host in front of many environments (a
 * preview per pull request), on the host's port 80 (and 443 with TLS),
 * routing by host name. It joins each environment's network and holds one
 * route file per environment. Each environment keeps its own blue-green
 * switch and deploy lock; changes to the ingress itself are serialised by its
 * own lock, held only while a route is written and nginx reloads.
 */
import { runContext } from '../../context.js';
import { UserError } from '../../errors.js';
import { tail } from '../../exec.js';
import type { ProviderContext, Release, Target } from '../types.js';
import { inspectContainer } from './containers.js';
import type { DockerHost } from './host.js';
import * as conf from './ingress-config.js';
import { LABEL, labelArgs, networkName, type Inspected } from './labels.js';
import type { Leftovers } from './leftovers.js';
import { DeployLocks } from './lock.js';
import { confirmSwitch, type Published, type TrafficRouter, type Upstream } from './proxy.js';
import type { ImagePuller } from './pull.js';
import type { DockerSettings } from './settings.js';
import { tarOf } from './tar.js';

export type IngressSettings = Pick<
  DockerSettings,
  'proxy-image' | 'ingress-name' | 'ingress-host' | 'tls-certificate' | 'tls-key' | 'tls-publish' | 'lock-timeout'
>;

export class SharedIngress implements TrafficRouter {
  private readonly locks: DeployLocks;

  constructor(
    private readonly settings: IngressSettings,
    private readonly images: ImagePuller,
    private readonly context: ProviderContext,
    leftovers: Leftovers,
  ) {
    this.locks = new DeployLocks(
      { 'lock-timeout': settings['lock-timeout'], 'force-unlock': false },
      context,
      leftovers,
    );
  }

  get containerName(): string {
    return this.settings['ingress-name'];
  }

  private get name(): string {
    return this.settings['ingress-name'];
  }

  async switchTo(host: DockerHost, target: Published, upstream: Upstream, path: string): Promise<void> {
    const hosts = this.settings['ingress-host'];
    if (!hosts.length)
      throw new UserError(
        'Input "ingress-host" is required with proxy-mode "shared": the host name(s) of this environment',
      );
    await this.exclusive(host, target, this.settings['proxy-image'], async () => {
      const tls = await this.ensure(host, target);
      await host.docker(['network', 'connect', networkName(target), this.name], { allowFailure: true });
      const route = conf.routeConfig({ target, hosts, ...upstream }, tls);
      await this.copy(host, { [conf.inEtc(conf.routePath(target))]: route });
      await this.reload(host, target);
    });
    this.context.log(`${host.name}: ${this.name} routes ${hosts.join(', ')} → ${upstream.color}`);
    await confirmSwitch(host, this.name, networkName(target), upstream.color, path, confirmName(hosts, target));
  }

  async routed(host: DockerHost, target: Target): Promise<number | undefined> {
    const ingress = await inspectContainer(host, this.name);
    if (!ingress) return undefined;
    const route = await host.docker(['cp', `${this.name}:${conf.routePath(target)}`, '-'], { allowFailure: true });
    return route.code === 0 && route.stdout.includes('server_name')
      ? Number(ingress.Config.Labels?.[LABEL.publish])
      : undefined;
  }

  /**
   * Take the environment's route off the ingress and the ingress off its
   * network; true when there was a route. No `rm` in a FROM-scratch nginx
   * image: the route file is emptied, which nginx reads as nothing.
   */
  async removeRoute(host: DockerHost, target: Target): Promise<boolean> {
    const ingress = await inspectContainer(host, this.name);
    if (!ingress) return false;
    const had = (await this.routed(host, target)) !== undefined;
    // The lock is made from the ingress's own image: it is on the host, whatever "proxy-image" says now.
    await this.exclusive(
      host,
      target,
      (ingress.Config as { Image?: string }).Image ?? this.settings['proxy-image'],
      async () => {
        if (had) {
          await this.copy(host, { [conf.inEtc(conf.routePath(target))]: '' });
          await this.reload(host, target);
        }
        await host.docker(['network', 'disconnect', networkName(target), this.name], { allowFailure: true });
      },
    );
    return had;
  }

  private async exclusive(host: DockerHost, target: Target, image: string, work: () => Promise<void>): Promise<void> {
    if ((await host.docker(['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true })).code !== 0)
      await this.images.pull(host, image, 'proxy');
    const holder: Release = {
      image,
      version: `route of ${target.service} on ${target.environment}`,
      time: '',
      commit: '',
      runUrl: runContext().runUrl,
      status: 'live',
    };
    await this.locks.take(host, { service: this.name, environment: 'ingress' }, holder, image);
    try {
      await work();
    } finally {
      await this.locks.releaseAll();
    }
  }

  /** The ingress runs on `host` with its certificate when one is given; true when it serves TLS. */
  private async ensure(host: DockerHost, target: Published): Promise<boolean> {
    const cert = this.settings['tls-certificate'];
    const key = this.settings['tls-key'];
    let ingress: Inspected | undefined = await inspectContainer(host, this.name);
    if (!ingress) ingress = await this.create(host, target, !!cert);
    const labels = ingress.Config.Labels ?? {};
    const published = labels[LABEL.publish];
    const tlsPublished = labels[LABEL.tlsPublish] ?? '';
    const it = `${host.name}: the shared ingress ${this.name}`;
    const remove = `(it serves every environment behind it: remove it with \`docker rm -f ${this.name}\` to change that)`;
    if (published !== String(target.publish))
      throw new UserError(`${it} serves port ${published}, not ${target.publish} ("publish") ${remove}`);
    const wanted = this.settings['tls-publish'];
    if (cert && tlsPublished !== String(wanted)) {
      const was = tlsPublished ? `with TLS on port ${tlsPublished}` : 'without TLS';
      throw new UserError(`${it} was created ${was}, not TLS on ${wanted} ("tls-publish") ${remove}`);
    }
    if (cert && key)
      await this.copy(
        host,
        { [conf.inEtc(conf.TLS_CERT)]: cert, [conf.inEtc(conf.TLS_KEY)]: key },
        { [conf.inEtc(conf.TLS_KEY)]: 0o600 },
      );
    if (!ingress.State.Running) {
      const started = await host.docker(['start', this.name], { allowFailure: true });
      if (started.code !== 0)
        throw new UserError(
          `${host.name}: could not start the shared ingress ${this.name}: ${tail(started.stderr, 3)}`,
        );
    }
    return !!tlsPublished;
  }

  private async create(host: DockerHost, target: Published, tls: boolean): Promise<Inspected> {
    const labels = {
      [LABEL.service]: this.name,
      [LABEL.environment]: 'ingress',
      [LABEL.role]: 'ingress',
      [LABEL.publish]: String(target.publish),
      [LABEL.tlsPublish]: tls ? String(this.settings['tls-publish']) : '',
    };
    const ports = ['--publish', `${target.publish}:${conf.HTTP_PORT}`];
    if (tls) ports.push('--publish', `${this.settings['tls-publish']}:${conf.HTTPS_PORT}`);
    const args = [
      'create',
      '--name',
      this.name,
      '--network',
      networkName(target),
      ...ports,
      '--restart',
      'unless-stopped',
    ];
    await host.docker([...args, ...labelArgs(labels), this.settings['proxy-image'], ...conf.ingressCommand()]);
    const dir = conf.inEtc(conf.INGRESS_DIR);
    const files: Record<string, string> = { [`${dir}/`]: '', [`${dir}/routes/`]: '', [`${dir}/tls/`]: '' };
    files[conf.inEtc(conf.INGRESS_CONFIG)] = conf.ingressConfig(tls);
    await this.copy(host, files);
    if (tls) {
      const key = { [conf.inEtc(conf.TLS_KEY)]: this.settings['tls-key']! };
      await this.copy(
        host,
        { [conf.inEtc(conf.TLS_CERT)]: this.settings['tls-certificate']!, ...key },
        { [conf.inEtc(conf.TLS_KEY)]: 0o600 },
      );
    }
    const started = await host.docker(['start', this.name], { allowFailure: true });
    if (started.code !== 0) {
      await host.docker(['rm', '-f', this.name], { allowFailure: true });
      const ports = `port ${target.publish}${tls ? ` and ${this.settings['tls-publish']}` : ''}`;
      throw new UserError(`${host.name}: could not start the shared ingress on ${ports}: ${tail(started.stderr, 3)}`);
    }
    this.context.log(
      `${host.name}: started the shared ingress ${this.name} on port ${target.publish}${tls ? `, TLS on ${this.settings['tls-publish']}` : ''}`,
    );
    return (await inspectContainer(host, this.name))!;
  }

  /** Files into the container's /etc through `docker cp` on stdin: the key is never on a command line or printed. */
  private async copy(
    host: DockerHost,
    files: Record<string, string>,
    modes: Record<string, number> = {},
  ): Promise<void> {
    await host.docker(['cp', '-', `${this.name}:/etc`], { input: tarOf(files, modes) });
  }

  /** A configuration nginx rejects is never loaded: this environment's route is emptied again and the deploy fails. */
  private async reload(host: DockerHost, target: Target): Promise<void> {
    const test = await host.docker(['exec', this.name, 'nginx', '-t', '-c', conf.INGRESS_CONFIG], {
      allowFailure: true,
    });
    if (test.code !== 0) {
      await this.copy(host, { [conf.inEtc(conf.routePath(target))]: '' });
      throw new UserError(
        `${host.name}: the shared ingress rejected the route of ${target.environment}: ${tail(test.stderr, 4)}`,
      );
    }
    await host.docker(['exec', this.name, 'nginx', '-s', 'reload', '-c', conf.INGRESS_CONFIG]);
  }
}

/** A name the route answers to, to confirm the switch: the first exact host, or the environment under a wildcard. */
function confirmName(hosts: readonly string[], target: Target): string {
  return hosts.find((h) => !h.startsWith('*.')) ?? hosts[0].replace(/^\*/, target.environment.toLowerCase());
}
