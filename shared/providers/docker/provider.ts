import { formatDuration } from '../../duration.js';
import { UserError } from '../../errors.js';
import type { DeployRequest, DeployResult, Provider, ProviderContext, Release, RollbackRequest, RollbackResult, Target } from '../types.js';
import { ensureNetwork, freeName, inspectContainer, ipOf, listReleases, liveOf, prune } from './containers.js';
import { DockerHost } from './host.js';
import { LABEL, colorName, networkName, proxyName, retiredName, type AppContainer, type Color } from './labels.js';
import { DeployLocks } from './lock.js';
import { RegistryLogins, type LoginRecord } from './logins.js';
import { ProxySwitch } from './proxy.js';
import { ImagePuller } from './pull.js';
import { startReady, waitUntilReady } from './readiness.js';
import type { DockerSettings } from './settings.js';
import { SshSession, type SshState } from './ssh.js';

const other = (color: Color | undefined): Color => (color === 'blue' ? 'green' : 'blue');

/** A release started on one host, not yet taking traffic. */
interface Started {
  host: DockerHost;
  live?: AppContainer;
  fresh: { id: string; name: string; color: Color; ip: string; port: number };
  readyIn: number;
}

/**
 * Docker hosts over SSH (or a local socket). Blue-green: the new colour starts
 * on a private network beside the live one, must pass the readiness path on
 * every host, then each host's proxy (nginx) is reloaded gracefully onto it
 * and the old colour is stopped (kept for rollback). Release history is the
 * set of labelled containers on the host.
 */
export class DockerProvider implements Provider {
  readonly name = 'docker';
  readonly keepsHistory = true;
  private readonly ssh?: SshSession;
  private readonly hosts: DockerHost[];
  private readonly logins: RegistryLogins;
  private readonly images: ImagePuller;
  private readonly locks: DeployLocks;
  private readonly proxy: ProxySwitch;

  constructor(
    settings: DockerSettings,
    private readonly context: ProviderContext,
  ) {
    // The module's check() made sure ssh hosts come with a key and known hosts.
    const sshHosts = settings.hosts.filter((h) => h.kind === 'ssh');
    if (sshHosts.length) this.ssh = new SshSession(sshHosts, settings['ssh-key']!, settings['ssh-known-hosts']!, context.tempDir);
    this.hosts = settings.hosts.map((spec) => new DockerHost(spec, this.ssh));
    this.logins = new RegistryLogins(context, () => context.saveState(this.postState()));
    this.images = new ImagePuller(settings, this.logins, context);
    this.locks = new DeployLocks(settings, context);
    this.proxy = new ProxySwitch(settings['proxy-image'], this.images, context);
  }

  postState(): string {
    const logins = this.logins.open;
    if (!this.ssh && !logins.length) return '';
    return JSON.stringify({ ssh: this.ssh?.state(), logins } satisfies DockerState);
  }

  /** Registry logins last one pull each; locks and the ssh connections last until here at most. */
  async close(): Promise<void> {
    await this.locks.releaseAll();
    await this.ssh?.close();
  }

  async current(target: Target): Promise<Release | undefined> {
    return liveOf(await listReleases(this.hosts[0]!, target))?.release;
  }

  async history(target: Target): Promise<Release[]> {
    return (await listReleases(this.hosts[0]!, target)).map((c) => c.release);
  }

  // ---------------------------------------------------------------- deploy

  async deploy(req: DeployRequest): Promise<DeployResult> {
    const { log } = this.context;
    this.images.forApp(req.release.image);
    try {
      for (const host of this.hosts) await this.images.pull(host, req.release.image, 'app');
      const version = await this.images.versionOf(this.hosts[0]!, req.release);
      const release: Release = { ...req.release, version, time: new Date().toISOString(), status: 'live' };
      for (const host of this.hosts) await this.locks.take(host, req, release, req.release.image);
      const details: [string, string][] = [];
      let previous: Release | undefined;
      if (req.strategy === 'recreate') {
        for (const host of this.hosts) {
          const { live, readyIn } = await this.recreate(host, req, release);
          previous ??= live?.release;
          details.push([host.name, `recreate: ${live ? `${live.release.version} → ` : ''}${version}, healthy in ${formatDuration(readyIn)}`]);
        }
      } else {
        const started: Started[] = [];
        try {
          for (const host of this.hosts) started.push(await this.startColor(host, req, release));
        } catch (error) {
          for (const s of started) await s.host.docker(['rm', '-f', s.fresh.id], { allowFailure: true });
          throw error;
        }
        for (const s of started) {
          await this.proxy.switchTo(s.host, req, s.fresh, req.readinessPath);
          if (s.live) await s.host.docker(['stop', '-t', '10', s.live.id], { allowFailure: true });
          previous ??= s.live?.release;
          details.push([
            s.host.name,
            `${s.live ? `${s.live.color ?? s.live.name} (${s.live.release.version}) → ` : ''}${s.fresh.color} (${version}), healthy in ${formatDuration(s.readyIn)}, proxy on :${req.publish}`,
          ]);
        }
      }
      for (const host of this.hosts) {
        const pruned = await prune(host, req, req.keep);
        if (pruned.length) log(`${host.name}: pruned ${pruned.join(', ')} (keep ${req.keep})`);
      }
      return { current: release, previous: previous && { ...previous, status: 'previous' }, targets: this.hosts.length, details };
    } finally {
      await this.locks.releaseAll();
    }
  }

  /** Blue-green, phase one: the new colour runs and is ready, with no traffic yet. */
  private async startColor(host: DockerHost, req: DeployRequest, release: Release): Promise<Started> {
    const network = await ensureNetwork(host, req);
    const containers = await listReleases(host, req);
    const live = liveOf(containers);
    const color = other(live?.color);
    await freeName(host, req, color, containers);
    const name = colorName(req, color);
    this.context.log(`${host.name}: starting ${name} (${release.version}) beside ${live ? `${live.name} (${live.release.version})` : 'nothing (first release)'}`);
    const { id, ip, readyIn } = await startReady(host, req, release, name, network, {
      log: this.context.log,
      serving: async () => (live ? `${live.release.version} keeps serving` : 'nothing was serving'),
    });
    return { host, live, fresh: { id, name, color, ip, port: req.port }, readyIn };
  }

  /** Stop the old release, start the new one on the published port. */
  private async recreate(host: DockerHost, req: DeployRequest, release: Release): Promise<{ live?: AppContainer; readyIn: number }> {
    const network = await ensureNetwork(host, req);
    const proxy = await inspectContainer(host, proxyName(req));
    if (proxy) {
      this.context.log(`${host.name}: removing the blue-green proxy (recreate serves the container directly)`);
      await host.docker(['rm', '-f', proxyName(req)]);
    }
    const containers = await listReleases(host, req);
    const live = liveOf(containers);
    if (live) {
      this.context.log(`${host.name}: stopping ${live.name} (${live.release.version})`);
      await host.docker(['stop', '-t', '10', live.id]);
    }
    const color = other(live?.color);
    await freeName(host, req, color, containers);
    const { readyIn } = await startReady(host, req, release, colorName(req, color), network, {
      publish: req.publish,
      log: this.context.log,
      serving: async () => {
        const restored = live && (await host.docker(['start', live.id], { allowFailure: true })).code === 0;
        return restored ? `${live.release.version} was started again` : 'nothing is serving';
      },
    });
    return { live, readyIn };
  }

  // -------------------------------------------------------------- rollback

  async rollback(req: RollbackRequest): Promise<RollbackResult> {
    try {
      const plans: { host: DockerHost; live?: AppContainer; back: AppContainer }[] = [];
      for (const host of this.hosts) {
        const containers = await listReleases(host, req);
        const live = liveOf(containers);
        const candidates = containers.filter((c) => c !== live && (req.to ? c.release.version === req.to || c.release.image === req.to : c.release.status === 'previous'));
        const back = plans[0] ? candidates.find((c) => c.release.version === plans[0]!.back.release.version) : candidates[0];
        if (!back) {
          const kept = containers.filter((c) => c !== live).map((c) => `${c.release.version} (${c.release.status})`);
          throw new UserError(
            `${host.name}: no ${req.to ? `release ${req.to}` : 'previous release'} of ${req.service} on ${req.environment} to roll back to (kept: ${kept.join(', ') || 'none'}); nothing was changed.`,
          );
        }
        plans.push({ host, live, back });
      }
      const lockRelease: Release = { ...plans[0]!.back.release, runUrl: req.runUrl };
      this.images.forApp(lockRelease.image);
      for (const p of plans) await this.locks.take(p.host, req, lockRelease, p.back.release.image);
      const details: [string, string][] = [];
      for (const p of plans) {
        const network = await ensureNetwork(p.host, req);
        const containers = await listReleases(p.host, req);
        const color = p.back.color && !p.back.running ? p.back.color : other(p.live?.color);
        await freeName(p.host, req, color, containers, p.back.id);
        if (p.back.name !== colorName(req, color)) await p.host.docker(['rename', p.back.id, colorName(req, color)]);
        const blueGreen = !!(await inspectContainer(p.host, proxyName(req)));
        if (!blueGreen && p.live) await p.host.docker(['stop', '-t', '10', p.live.id]);
        await p.host.docker(['start', p.back.id]);
        const ip = await ipOf(p.host, p.back.id, network);
        const ready = await waitUntilReady(p.host, ip, p.back.port, req, colorName(req, color), this.context.log);
        if (!ready.ok) {
          await p.host.docker(['stop', '-t', '10', p.back.id], { allowFailure: true });
          if (!blueGreen && p.live) await p.host.docker(['start', p.live.id], { allowFailure: true });
          throw new UserError(`${p.host.name}: ${p.back.release.version} did not become healthy again: ${ready.reason}; ${p.live ? `${p.live.release.version} keeps serving` : 'nothing is serving'}.`);
        }
        if (blueGreen) await this.proxy.switchTo(p.host, req, { ip, port: p.back.port, color }, req.readinessPath);
        if (p.live) {
          await p.host.docker(['stop', '-t', '10', p.live.id], { allowFailure: true });
          await p.host.docker(['rename', p.live.id, retiredName(req, 'failed')]);
        }
        details.push([p.host.name, `${p.live ? `${p.live.release.version} (now failed) → ` : ''}${p.back.release.version}, healthy in ${formatDuration(ready.ms)}`]);
      }
      const [first] = plans;
      return {
        from: first!.live && { ...first!.live.release, status: 'failed' },
        to: { ...first!.back.release, status: 'live' },
        targets: plans.length,
        details,
      };
    } finally {
      await this.locks.releaseAll();
    }
  }

  async switchTraffic(target: Target, release: Release): Promise<void> {
    for (const host of this.hosts) {
      const found = (await listReleases(host, target)).find((c) => c.release.version === release.version && c.running && c.color);
      if (!found) throw new UserError(`${host.name}: ${release.version} is not running as blue or green`);
      const proxy = await inspectContainer(host, proxyName(target));
      const publish = Number(proxy?.Config.Labels?.[LABEL.publish]);
      if (!proxy || !publish) throw new UserError(`${host.name}: ${proxyName(target)} does not exist (blue-green was never deployed here)`);
      const ip = await ipOf(host, found.id, networkName(target));
      await this.proxy.switchTo(host, { ...target, publish }, { ip, port: found.port, color: found.color! }, '/');
    }
  }
}

/** What the post step undoes: the ssh session's files and any login a killed step left. */
export interface DockerState {
  ssh?: SshState;
  logins: readonly LoginRecord[];
}
