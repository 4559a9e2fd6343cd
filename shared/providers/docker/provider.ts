import { UserError } from '../../errors.js';
import type { DeployRequest, DeployResult, Provider, ProviderContext, Release, RollbackRequest, RollbackResult, Target, TeardownRequest, TeardownResult } from '../types.js';
import { deployBlueGreen, switchTraffic } from './blue-green.js';
import { listReleases, liveOf, prune } from './containers.js';
import { DockerHost } from './host.js';
import { DeployLocks } from './lock.js';
import { RegistryLogins, type LoginRecord } from './logins.js';
import { SharedIngress } from './ingress.js';
import { ProxySwitch, type TrafficRouter } from './proxy.js';
import { ImagePuller } from './pull.js';
import { deployRecreate } from './recreate.js';
import { planRollback, restore } from './rollback.js';
import type { DockerSettings } from './settings.js';
import { teardownHost } from './teardown.js';
import { SshSession, type SshState } from './ssh.js';

/**
 * Docker hosts over SSH (or a local socket). Blue-green: the new colour starts
 * on a private network beside the live one, must pass the readiness path on
 * every host, then each host's proxy (nginx) is reloaded gracefully onto it
 * and the old colour is stopped (kept for rollback). Release history is the
 * set of labelled containers on the host. Each concern has its module; this
 * class holds the run's connections and puts the steps in order.
 */
export class DockerProvider implements Provider {
  readonly name = 'docker';
  readonly keepsHistory = true;
  private readonly ssh?: SshSession;
  private readonly hosts: DockerHost[];
  private readonly logins: RegistryLogins;
  private readonly images: ImagePuller;
  private readonly locks: DeployLocks;
  private readonly proxy: TrafficRouter;

  constructor(
    private readonly settings: DockerSettings,
    private readonly context: ProviderContext,
  ) {
    // The module's check() made sure ssh hosts come with a key and known hosts.
    const sshHosts = settings.hosts.filter((h) => h.kind === 'ssh');
    if (sshHosts.length) this.ssh = new SshSession(sshHosts, settings['ssh-key']!, settings['ssh-known-hosts']!, context.tempDir);
    this.hosts = settings.hosts.map((spec) => new DockerHost(spec, this.ssh));
    this.logins = new RegistryLogins(context, () => context.saveState(this.postState()));
    this.images = new ImagePuller(settings, this.logins, context);
    this.locks = new DeployLocks(settings, context);
    this.proxy = settings['proxy-mode'] === 'shared' ? new SharedIngress(settings, this.images, context) : new ProxySwitch(settings['proxy-image'], this.images, context);
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

  async deploy(req: DeployRequest): Promise<DeployResult> {
    const { log } = this.context;
    if (req.strategy === 'recreate' && this.proxy instanceof SharedIngress)
      throw new UserError('strategy "recreate" publishes the container itself; with proxy-mode "shared" use "blue-green" (the shared ingress routes to it)');
    this.images.forApp(req.release.image);
    try {
      for (const host of this.hosts) await this.images.pull(host, req.release.image, 'app');
      const version = await this.images.versionOf(this.hosts[0]!, req.release);
      const release: Release = { ...req.release, version, time: new Date().toISOString(), status: 'live' };
      for (const host of this.hosts) await this.locks.take(host, req, release, req.release.image);
      const { previous, details } = req.strategy === 'recreate' ? await deployRecreate(this.hosts, req, release, log) : await deployBlueGreen(this.hosts, req, release, this.proxy, log);
      for (const host of this.hosts) {
        const pruned = await prune(host, req, req.keep);
        if (pruned.length) log(`${host.name}: pruned ${pruned.join(', ')} (keep ${req.keep})`);
      }
      return { current: release, previous: previous && { ...previous, status: 'previous' }, targets: this.hosts.length, details };
    } finally {
      await this.locks.releaseAll();
    }
  }

  async rollback(req: RollbackRequest): Promise<RollbackResult> {
    try {
      const plans = await planRollback(this.hosts, req);
      const [first] = plans;
      const lockRelease: Release = { ...first!.back.release, runUrl: req.runUrl };
      this.images.forApp(lockRelease.image);
      for (const p of plans) await this.locks.take(p.host, req, lockRelease, p.back.release.image);
      const details: [string, string][] = [];
      for (const p of plans) details.push(await restore(p, req, this.proxy, this.context.log));
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

  switchTraffic(target: Target, release: Release): Promise<void> {
    return switchTraffic(this.hosts, target, release, this.proxy);
  }

  async teardown(req: TeardownRequest): Promise<TeardownResult> {
    // Whatever proxy-mode says now: a route the environment has on the shared ingress goes with it.
    const ingress = this.proxy instanceof SharedIngress ? this.proxy : new SharedIngress(this.settings, this.images, this.context);
    const removed: string[] = [];
    const details: [string, string][] = [];
    for (const host of this.hosts) {
      const gone = await teardownHost(host, req, ingress, this.locks, this.context);
      removed.push(...gone);
      details.push([host.name, gone.length ? gone.join(', ') : 'nothing was there']);
    }
    return { removed, targets: this.hosts.length, details };
  }
}

/** What the post step undoes: the ssh session's files and any login a killed step left. */
export interface DockerState {
  ssh?: SshState;
  logins: readonly LoginRecord[];
}
