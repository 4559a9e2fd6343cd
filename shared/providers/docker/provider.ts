import { formatDuration } from '../../duration.js';
import { UserError } from '../../errors.js';
import type * as api from '../types.js';
import { deployBlueGreen } from './blue-green.js';
import { ensureNetwork, listReleases, liveOf, pruneable } from './containers.js';
import { DockerHost } from './host.js';
import { Leftovers, type Leftover } from './leftovers.js';
import { DeployLocks } from './lock.js';
import { PhaseTimes } from './phases.js';
import { RegistryLogins, type LoginRecord } from './logins.js';
import { SharedIngress } from './ingress.js';
import { ProxySwitch, type TrafficRouter } from './proxy.js';
import { ImagePuller } from './pull.js';
import { deployRecreate } from './recreate.js';
import { planRollback, restore } from './rollback.js';
import type { WorkerRole } from './roles.js';
import { checkNetworks, runOptionsOf, type RunOptions } from './run-options.js';
import type { DockerSettings } from './settings.js';
import { teardownHost } from './teardown.js';
import { SshSession, type SshState } from './ssh.js';
import { snapshotOf, type Snapshot } from './snapshot.js';
import { pruneableWorkers, restoreWorkers, startWorkers, stopWorkers, type WorkerRequest } from './workers.js';

/**
 * Docker hosts over SSH (or a local socket). Blue-green: the new colour starts
 * on a private network beside the live one, must pass the readiness path on
 * every host, then each host's proxy (nginx) is reloaded gracefully onto it
 * and the old colour is stopped (kept for rollback). Release history is the
 * set of labelled containers on the host. Each concern has its module; this
 * class holds the run's connections and puts the steps in order.
 */
export class DockerProvider implements api.Provider {
  readonly name = 'docker';
  readonly keepsHistory = true;
  private readonly ssh?: SshSession;
  private readonly hosts: DockerHost[];
  private readonly logins: RegistryLogins;
  private readonly images: ImagePuller;
  private readonly locks: DeployLocks;
  private readonly proxy: TrafficRouter;
  private readonly leftovers: Leftovers;
  private readonly run: RunOptions;
  private readonly roles: WorkerRole[];

  constructor(
    private readonly settings: DockerSettings,
    private readonly context: api.ProviderContext,
  ) {
    // The module's check() made sure ssh hosts come with a key and known hosts.
    const sshHosts = settings.hosts.filter((h) => h.kind === 'ssh');
    if (sshHosts.length)
      this.ssh = new SshSession(sshHosts, settings['ssh-key']!, settings['ssh-known-hosts']!, context.tempDir);
    this.hosts = settings.hosts.map((spec) => new DockerHost(spec, this.ssh));
    this.logins = new RegistryLogins(context, () => context.saveState(this.postState()));
    this.images = new ImagePuller(settings, this.logins, context);
    this.leftovers = new Leftovers(() => context.saveState(this.postState()));
    this.locks = new DeployLocks(settings, context, this.leftovers);
    this.proxy =
      settings['proxy-mode'] === 'shared'
        ? new SharedIngress(settings, this.images, context, this.leftovers)
        : new ProxySwitch(settings['proxy-image'], this.images, context);
    this.run = runOptionsOf(settings);
    this.roles = settings.roles;
  }

  postState(): string {
    const logins = this.logins.open;
    const leftovers = this.leftovers?.open ?? [];
    if (!this.ssh && !logins.length && !leftovers.length) return '';
    return JSON.stringify({ ssh: this.ssh?.state(), logins, leftovers } satisfies DockerState);
  }

  /** Registry logins last one pull each; locks and the ssh connections last until here at most. */
  async close(): Promise<void> {
    await this.locks.releaseAll();
    await this.ssh?.close();
  }

  prepare(): void {
    for (const host of this.hosts) void host.connect();
  }

  async current(target: api.Target): Promise<api.Release | undefined> {
    return liveOf(await listReleases(this.hosts[0], target))?.release;
  }

  async history(target: api.Target): Promise<api.Release[]> {
    return (await listReleases(this.hosts[0], target)).map((c) => c.release);
  }

  async deploy(request: api.DeployRequest): Promise<api.DeployResult> {
    const { log } = this.context;
    const req: WorkerRequest = { ...request, run: this.run, roles: this.roles };
    if (req.strategy === 'recreate' && this.proxy instanceof SharedIngress)
      throw new UserError(
        'strategy "recreate" publishes the container itself; with proxy-mode "shared" use "blue-green" (the shared ingress routes to it)',
      );
    const phases = new PhaseTimes();
    this.images.forApp(req.release.image);
    try {
      await checkNetworks(this.hosts, this.run.networks);
      const version = await phases.time('pull', async () => {
        for (const host of this.hosts) await this.images.pull(host, req.release.image, 'app');
        return this.images.versionOf(this.hosts[0], req.release);
      });
      const release: api.Release = { ...req.release, version, time: new Date().toISOString(), status: 'live' };
      await phases.time('lock', async () => {
        for (const host of this.hosts) await this.locks.take(host, req, release, req.release.image);
      });
      // What each host runs now, read once the lock is held: nobody else changes it until this deploy ends.
      const snapshots = await Promise.all(
        this.hosts.map(async (h) => (await Promise.all([ensureNetwork(h, req), snapshotOf(h, req)]))[1]),
      );
      const oldWorkers = snapshots.flatMap((s) => s.workers).filter((w) => w.running);
      // Workers first: if the new ones never get ready, the web role was not touched.
      const workers = await startWorkers(this.hosts, req, release, log);
      let web: Pick<api.DeployResult, 'previous' | 'details'>;
      try {
        web =
          req.strategy === 'recreate'
            ? await deployRecreate(this.hosts, req, release, log)
            : await deployBlueGreen(this.hosts, snapshots, req, release, this.proxy, log, this.leftovers, phases);
      } catch (error) {
        await stopWorkers(workers, log, `${release.version} did not go live`);
        for (const w of workers) await w.host.docker(['rm', '-f', w.id], { allowFailure: true });
        throw error;
      }
      const started = Date.now();
      await stopWorkers(oldWorkers, log, `${release.version} is live`);
      if (workers.length || oldWorkers.length)
        web.details.push([
          'Workers',
          `${workers.length} started, ${oldWorkers.length} old stopped gracefully in ${formatDuration(Date.now() - started)}`,
        ]);
      await phases.time('prune', () => this.prune(req, snapshots));
      await phases.time('lock', () => this.locks.releaseAll());
      log(`Phase times: ${phases.line()}`);
      web.details.push(['Phase times', phases.line()]);
      return {
        current: release,
        previous: web.previous && { ...web.previous, status: 'previous' },
        targets: this.hosts.length,
        details: web.details,
      };
    } finally {
      await this.locks.releaseAll();
    }
  }

  /**
   * Releases beyond `keep` go, web and workers together; never the one a rollback would return to. Judged from
   * the snapshots taken under the lock: since then only this deploy changed the hosts, and what was live is
   * now the previous release.
   */
  private async prune(req: api.DeployRequest, snapshots: Snapshot[]): Promise<void> {
    for (const [i, host] of this.hosts.entries()) {
      const { workers } = snapshots[i];
      const releases = snapshots[i].releases.map((c) =>
        c.release.status === 'live' ? { ...c, release: { ...c.release, status: 'previous' as const } } : c,
      );
      const apps = pruneable(releases, req.keep);
      const kept = new Set(releases.filter((c) => !apps.includes(c)).map((c) => c.release.time));
      const gone = pruneableWorkers(workers, kept);
      if (!apps.length && !gone.length) continue;
      await host.docker(['rm', '-f', ...apps.map((c) => c.id), ...gone.map((w) => w.id)], { allowFailure: true });
      const what = [
        ...apps.map((c) => `${c.release.version} (${c.release.status})`),
        ...(gone.length ? [`${gone.length} worker container(s)`] : []),
      ];
      this.context.log(`${host.name}: pruned ${what.join(', ')} (keep ${req.keep})`);
    }
  }

  async rollback(req: api.RollbackRequest): Promise<api.RollbackResult> {
    const { log } = this.context;
    try {
      const plans = await planRollback(this.hosts, req);
      const [first] = plans;
      const lockRelease: api.Release = { ...first.back.release, runUrl: req.runUrl };
      this.images.forApp(lockRelease.image);
      for (const p of plans) await this.locks.take(p.host, req, lockRelease, p.back.release.image);
      await req.beforeRestore?.(first.live?.release, first.back.release);
      const workers = await restoreWorkers(this.hosts, req, first.back.release, req, log);
      const details: [string, string][] = [];
      try {
        for (const p of plans) details.push(await restore(p, req, this.proxy, log));
      } catch (error) {
        await stopWorkers(workers.restored, log, 'the rollback failed');
        throw error;
      }
      await stopWorkers(workers.live, log, `${first.back.release.version} is live again`);
      if (workers.restored.length || workers.live.length)
        details.push([
          'Workers',
          `${workers.restored.length} of ${first.back.release.version} started again, ${workers.live.length} stopped`,
        ]);
      return {
        from: first.live && { ...first.live.release, status: 'failed' },
        to: { ...first.back.release, status: 'live' },
        targets: plans.length,
        details,
      };
    } finally {
      await this.locks.releaseAll();
    }
  }

  async teardown(req: api.TeardownRequest): Promise<api.TeardownResult> {
    // Whatever proxy-mode says now: a route the environment has on the shared ingress goes with it.
    const ingress =
      this.proxy instanceof SharedIngress
        ? this.proxy
        : new SharedIngress(this.settings, this.images, this.context, this.leftovers);
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

/** What the post step undoes: the ssh session's files and any login, lock or unserving release a killed step left. */
export interface DockerState {
  ssh?: SshState;
  logins: readonly LoginRecord[];
  leftovers?: readonly Leftover[];
}
