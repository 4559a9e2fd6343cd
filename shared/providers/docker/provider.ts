import { formatDuration } from '../../duration.js';
import { UserError } from '../../errors.js';
import { tail } from '../../exec.js';
import { runGate } from '../../health/gate.js';
import { request } from '../../http.js';
import { sleep } from '../../retry.js';
import { parseStatusSet } from '../../status.js';
import type { DeployRequest, DeployResult, Provider, ProviderContext, Release, RollbackRequest, RollbackResult, Target } from '../types.js';
import { DockerHost } from './host.js';
import {
  LABEL,
  colorName,
  labelArgs,
  networkName,
  proxyName,
  retiredName,
  targetLabels,
  toAppContainer,
  type AppContainer,
  type Color,
  type Inspected,
} from './labels.js';
import { DeployLocks } from './lock.js';
import { RegistryLogins, type LoginRecord } from './logins.js';
import { COLOR_HEADER, PROXY_CONFIG, PROXY_CONFIG_DIR, PROXY_CONFIG_FILE, PROXY_PORT, proxyCommand, proxyConfig } from './proxy-config.js';
import { ImagePuller } from './pull.js';
import type { DockerSettings } from './settings.js';
import { SshSession, type SshState } from './ssh.js';
import { tarOf } from './tar.js';

const HEALTHY = parseStatusSet('2xx')!;
const other = (color: Color | undefined): Color => (color === 'blue' ? 'green' : 'blue');

/** A release started on one host, not yet taking traffic. */
interface Started {
  host: DockerHost;
  live?: AppContainer;
  fresh: { id: string; name: string; color: Color; ip: string; port: number };
  healthyIn: number;
}

/**
 * Docker hosts over SSH (or a local socket). Blue-green: the new colour starts
 * on a private network beside the live one, must pass the health path on every
 * host, then each host's proxy (nginx) is reloaded gracefully onto it and the
 * old colour is stopped (kept for rollback). Release history is the set of
 * labelled containers on the host.
 */
export class DockerProvider implements Provider {
  readonly name = 'docker';
  readonly keepsHistory = true;
  private readonly ssh?: SshSession;
  private readonly hosts: DockerHost[];
  private readonly logins: RegistryLogins;
  private readonly images: ImagePuller;
  private readonly locks: DeployLocks;

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
    return (await this.list(this.hosts[0]!, target)).find((c) => c.release.status === 'live')?.release;
  }

  async history(target: Target): Promise<Release[]> {
    return (await this.list(this.hosts[0]!, target)).map((c) => c.release);
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
          const { live, healthyIn } = await this.recreate(host, req, release);
          previous ??= live?.release;
          details.push([host.name, `recreate: ${live ? `${live.release.version} → ` : ''}${version}, healthy in ${formatDuration(healthyIn)}`]);
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
          await this.switchProxy(s.host, req, s.fresh, req.readinessPath);
          if (s.live) await s.host.docker(['stop', '-t', '10', s.live.id], { allowFailure: true });
          previous ??= s.live?.release;
          details.push([
            s.host.name,
            `${s.live ? `${s.live.color ?? s.live.name} (${s.live.release.version}) → ` : ''}${s.fresh.color} (${version}), healthy in ${formatDuration(s.healthyIn)}, proxy on :${req.publish}`,
          ]);
        }
      }
      for (const host of this.hosts) {
        const pruned = await this.prune(host, req, req.keep);
        if (pruned.length) log(`${host.name}: pruned ${pruned.join(', ')} (keep ${req.keep})`);
      }
      return { current: release, previous: previous && { ...previous, status: 'previous' }, targets: this.hosts.length, details };
    } finally {
      await this.locks.releaseAll();
    }
  }

  // ------------------------------------------------------------ containers

  private async list(host: DockerHost, target: Target): Promise<AppContainer[]> {
    const ids = await host.docker([
      'ps', '-a', '-q', '--no-trunc',
      '--filter', `label=${LABEL.service}=${target.service}`,
      '--filter', `label=${LABEL.environment}=${target.environment}`,
      '--filter', `label=${LABEL.role}=app`,
    ]);
    const list = ids.stdout.split('\n').map((s) => s.trim()).filter(Boolean);
    if (!list.length) return [];
    const inspected = JSON.parse((await host.docker(['inspect', '--type', 'container', ...list])).stdout) as Inspected[];
    return inspected.map((c) => toAppContainer(target, c)).sort((a, b) => b.release.time.localeCompare(a.release.time));
  }

  private async inspect(host: DockerHost, name: string): Promise<Inspected | undefined> {
    const found = await host.docker(['inspect', '--type', 'container', name], { allowFailure: true });
    return found.code === 0 ? (JSON.parse(found.stdout) as Inspected[])[0] : undefined;
  }

  private async ensureNetwork(host: DockerHost, target: Target): Promise<string> {
    const name = networkName(target);
    if ((await host.docker(['network', 'inspect', name], { allowFailure: true })).code !== 0) {
      const created = await host.docker(['network', 'create', ...labelArgs(targetLabels(target, 'network')), name], { allowFailure: true });
      if (created.code !== 0 && !/already exists/.test(created.stderr)) throw new UserError(`${host.name}: could not create network ${name}: ${tail(created.stderr, 3)}`);
    }
    return name;
  }

  /** Free the colour's name: a stopped release there is renamed (it stays a previous release). */
  private async freeName(host: DockerHost, target: Target, color: Color, containers: AppContainer[], except?: string): Promise<void> {
    const holder = containers.find((c) => c.name === colorName(target, color) && c.id !== except);
    if (holder) await host.docker(['rename', holder.id, retiredName(target, 'previous')]);
  }

  private async runRelease(host: DockerHost, req: DeployRequest, release: Release, name: string, network: string, publish?: number): Promise<string> {
    const labels = {
      ...targetLabels(req, 'app'),
      [LABEL.image]: release.image,
      [LABEL.version]: release.version,
      [LABEL.time]: release.time,
      [LABEL.commit]: release.commit,
      [LABEL.runUrl]: release.runUrl,
      [LABEL.port]: String(req.port),
    };
    const env = Object.entries(req.env);
    // Values go through stdin as an env file: never on a command line, never seen by a shell.
    const args = ['run', '--detach', '--name', name, '--init', '--restart', 'unless-stopped', '--network', network, ...labelArgs(labels)];
    if (publish !== undefined) args.push('--publish', `${publish}:${req.port}`);
    if (env.length) args.push('--env-file', '/dev/stdin');
    args.push(release.image);
    const started = await host.docker(args, { input: env.map(([k, v]) => `${k}=${v}`).join('\n'), allowFailure: true });
    if (started.code !== 0) {
      await host.docker(['rm', '-f', name], { allowFailure: true });
      throw new UserError(`${host.name}: could not start ${release.version}: ${tail(started.stderr, 4)}`);
    }
    return started.stdout.trim();
  }

  private async ipOf(host: DockerHost, id: string, network: string): Promise<string> {
    const c = await this.inspect(host, id);
    const ip = c?.NetworkSettings.Networks?.[network]?.IPAddress;
    if (!ip) throw new UserError(`${host.name}: container ${id.slice(0, 12)} has no address on ${network} (state: ${c?.State.Status ?? 'gone'})`);
    return ip;
  }

  /** Probe the health path from inside the host's network until it passes or `readiness-timeout` ends. */
  private async health(host: DockerHost, ip: string, port: number, req: { readinessPath: string; readinessTimeoutMs: number }, what: string): Promise<{ ok: boolean; ms: number; reason?: string }> {
    const reach = await host.reach(ip, port);
    try {
      const url = `${reach.base}${req.readinessPath.startsWith('/') ? '' : '/'}${req.readinessPath}`;
      this.context.log(`${host.name}: waiting for ${what} to pass ${req.readinessPath} (deadline ${formatDuration(req.readinessTimeoutMs)})`);
      const gate = await runGate({
        url,
        method: 'GET',
        headers: {},
        expectStatus: HEALTHY,
        jsonAssertions: [],
        timeoutMs: 5_000,
        intervalMs: 500,
        deadlineMs: req.readinessTimeoutMs,
        successThreshold: 2,
        maxFailures: 3,
        log: (line) => this.context.log(`  ${host.name} ${what}: ${line}`),
      });
      return { ok: gate.healthy, ms: gate.durationMs, reason: gate.reason };
    } finally {
      await reach.close();
    }
  }

  private async logsOf(host: DockerHost, id: string): Promise<string> {
    const logs = await host.docker(['logs', '--tail', '10', id], { allowFailure: true });
    return tail(`${logs.stdout}\n${logs.stderr}`, 10);
  }

  /** Blue-green, phase one: the new colour runs and is healthy, with no traffic yet. */
  private async startColor(host: DockerHost, req: DeployRequest, release: Release): Promise<Started> {
    const network = await this.ensureNetwork(host, req);
    const containers = await this.list(host, req);
    const live = containers.find((c) => c.release.status === 'live');
    const color = other(live?.color);
    await this.freeName(host, req, color, containers);
    const name = colorName(req, color);
    this.context.log(`${host.name}: starting ${name} (${release.version}) beside ${live ? `${live.name} (${live.release.version})` : 'nothing (first release)'}`);
    const id = await this.runRelease(host, req, release, name, network);
    const ip = await this.ipOf(host, id, network);
    const health = await this.health(host, ip, req.port, req, name);
    if (!health.ok) {
      const logs = await this.logsOf(host, id);
      await host.docker(['rm', '-f', id], { allowFailure: true });
      throw new UserError(
        `${host.name}: ${release.version} never became healthy: ${health.reason}. It was removed; ${live ? `${live.release.version} keeps serving` : 'nothing was serving'}.${logs ? `\nLast container logs:\n${logs}` : ''}`,
      );
    }
    return { host, live, fresh: { id, name, color, ip, port: req.port }, healthyIn: health.ms };
  }

  /** Point the host's proxy at `upstream` (creating the proxy on first use), reload gracefully, and confirm. */
  private async switchProxy(host: DockerHost, target: Target & { publish: number }, upstream: { ip: string; port: number; color: Color }, path: string): Promise<void> {
    const name = proxyName(target);
    const network = networkName(target);
    const config = tarOf({ [PROXY_CONFIG_FILE]: proxyConfig(upstream) });
    let proxy = await this.inspect(host, name);
    if (proxy && proxy.Config.Labels?.[LABEL.publish] !== String(target.publish)) {
      this.context.warn(`${host.name}: the proxy published port changes to ${target.publish}; recreating ${name} (a short interruption)`);
      await host.docker(['rm', '-f', name]);
      proxy = undefined;
    }
    if (!proxy) {
      const image = this.settings['proxy-image'];
      if ((await host.docker(['image', 'inspect', '--format', '{{.Id}}', image], { allowFailure: true })).code !== 0) await this.images.pull(host, image, 'proxy');
      // A recreate-mode release holds the published port; blue-green takes it over from here.
      for (const c of await this.list(host, target)) {
        if (c.running && (await this.publishes(host, c.id, target.publish))) {
          this.context.warn(`${host.name}: ${c.name} (recreate) holds port ${target.publish}; stopping it for the proxy (a short interruption)`);
          await host.docker(['stop', '-t', '10', c.id]);
        }
      }
      const labels = { ...targetLabels(target, 'proxy'), [LABEL.publish]: String(target.publish) };
      await host.docker(['create', '--name', name, '--network', network, '--publish', `${target.publish}:${PROXY_PORT}`, '--restart', 'unless-stopped', ...labelArgs(labels), image, ...proxyCommand()]);
      await host.docker(['cp', '-', `${name}:${PROXY_CONFIG_DIR}`], { input: config });
      const started = await host.docker(['start', name], { allowFailure: true });
      if (started.code !== 0) {
        await host.docker(['rm', '-f', name], { allowFailure: true });
        throw new UserError(`${host.name}: could not start the proxy on port ${target.publish}: ${tail(started.stderr, 3)}`);
      }
      this.context.log(`${host.name}: started proxy ${name} on port ${target.publish} → ${upstream.color}`);
    } else {
      if (!proxy.State.Running) await host.docker(['start', name]);
      await host.docker(['cp', '-', `${name}:${PROXY_CONFIG_DIR}`], { input: config });
      const test = await host.docker(['exec', name, 'nginx', '-t', '-c', PROXY_CONFIG], { allowFailure: true });
      if (test.code !== 0) throw new UserError(`${host.name}: the proxy rejected its new configuration: ${tail(test.stderr, 4)}`);
      await host.docker(['exec', name, 'nginx', '-s', 'reload', '-c', PROXY_CONFIG]);
      this.context.log(`${host.name}: reloaded proxy ${name} → ${upstream.color}`);
    }
    await this.confirmSwitch(host, name, network, upstream.color, path);
  }

  private async publishes(host: DockerHost, id: string, port: number): Promise<boolean> {
    const out = await host.docker(['port', id], { allowFailure: true });
    return out.stdout.split('\n').some((line) => line.trim().endsWith(`:${port}`));
  }

  /**
   * After a reload, old nginx workers may still answer for a moment: only when
   * several consecutive answers come from the new colour is the old one safe to stop.
   */
  private async confirmSwitch(host: DockerHost, proxy: string, network: string, color: Color, path: string): Promise<void> {
    const ip = await this.ipOf(host, proxy, network);
    const reach = await host.reach(ip, PROXY_PORT);
    try {
      const deadline = Date.now() + 30_000;
      let streak = 0;
      let last = '';
      while (streak < 5) {
        if (Date.now() > deadline) throw new UserError(`${host.name}: the proxy did not switch to ${color} within 30s (last answer: ${last})`);
        try {
          const response = await request({ url: `${reach.base}${path}`, retries: 0, timeoutMs: 2_000 });
          const answered = response.headers.get(COLOR_HEADER) ?? 'no colour';
          last = `${response.status} from ${answered}`;
          streak = answered === color ? streak + 1 : 0;
        } catch (error) {
          last = (error as Error).message;
          streak = 0;
        }
        if (streak < 5) await sleep(100);
      }
    } finally {
      await reach.close();
    }
  }

  /** Stop the old release, start the new one on the published port. */
  private async recreate(host: DockerHost, req: DeployRequest, release: Release): Promise<{ live?: AppContainer; healthyIn: number }> {
    const network = await this.ensureNetwork(host, req);
    const proxy = await this.inspect(host, proxyName(req));
    if (proxy) {
      this.context.log(`${host.name}: removing the blue-green proxy (recreate serves the container directly)`);
      await host.docker(['rm', '-f', proxyName(req)]);
    }
    const containers = await this.list(host, req);
    const live = containers.find((c) => c.release.status === 'live');
    if (live) {
      this.context.log(`${host.name}: stopping ${live.name} (${live.release.version})`);
      await host.docker(['stop', '-t', '10', live.id]);
    }
    const color = other(live?.color);
    await this.freeName(host, req, color, containers);
    const name = colorName(req, color);
    const id = await this.runRelease(host, req, release, name, network, req.publish);
    const ip = await this.ipOf(host, id, network);
    const health = await this.health(host, ip, req.port, req, name);
    if (!health.ok) {
      const logs = await this.logsOf(host, id);
      await host.docker(['rm', '-f', id], { allowFailure: true });
      const restored = live && (await host.docker(['start', live.id], { allowFailure: true })).code === 0;
      throw new UserError(
        `${host.name}: ${release.version} never became healthy: ${health.reason}. It was removed; ${restored ? `${live.release.version} was started again` : 'nothing is serving'}.${logs ? `\nLast container logs:\n${logs}` : ''}`,
      );
    }
    return { live, healthyIn: health.ms };
  }

  /** Remove releases beyond `keep`, never the one a rollback would return to. */
  private async prune(host: DockerHost, target: Target, keep: number): Promise<string[]> {
    const retired = (await this.list(host, target)).filter((c) => c.release.status !== 'live');
    const kept = new Set(retired.filter((c) => c.release.status === 'previous').slice(0, Math.max(keep, 1)).map((c) => c.id));
    const removed: string[] = [];
    for (const c of retired) {
      if (kept.has(c.id)) continue;
      await host.docker(['rm', '-f', c.id], { allowFailure: true });
      removed.push(`${c.release.version} (${c.release.status})`);
    }
    return removed;
  }

  // -------------------------------------------------------------- rollback

  async rollback(req: RollbackRequest): Promise<RollbackResult> {
    try {
      const plans: { host: DockerHost; live?: AppContainer; back: AppContainer }[] = [];
      for (const host of this.hosts) {
        const containers = await this.list(host, req);
        const live = containers.find((c) => c.release.status === 'live');
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
        const network = await this.ensureNetwork(p.host, req);
        const containers = await this.list(p.host, req);
        const color = p.back.color && !p.back.running ? p.back.color : other(p.live?.color);
        await this.freeName(p.host, req, color, containers, p.back.id);
        if (p.back.name !== colorName(req, color)) await p.host.docker(['rename', p.back.id, colorName(req, color)]);
        const blueGreen = !!(await this.inspect(p.host, proxyName(req)));
        if (!blueGreen && p.live) await p.host.docker(['stop', '-t', '10', p.live.id]);
        await p.host.docker(['start', p.back.id]);
        const ip = await this.ipOf(p.host, p.back.id, network);
        const health = await this.health(p.host, ip, p.back.port, req, colorName(req, color));
        if (!health.ok) {
          await p.host.docker(['stop', '-t', '10', p.back.id], { allowFailure: true });
          if (!blueGreen && p.live) await p.host.docker(['start', p.live.id], { allowFailure: true });
          throw new UserError(`${p.host.name}: ${p.back.release.version} did not become healthy again: ${health.reason}; ${p.live ? `${p.live.release.version} keeps serving` : 'nothing is serving'}.`);
        }
        if (blueGreen) await this.switchProxy(p.host, req, { ip, port: p.back.port, color }, req.readinessPath);
        if (p.live) {
          await p.host.docker(['stop', '-t', '10', p.live.id], { allowFailure: true });
          await p.host.docker(['rename', p.live.id, retiredName(req, 'failed')]);
        }
        details.push([p.host.name, `${p.live ? `${p.live.release.version} (now failed) → ` : ''}${p.back.release.version}, healthy in ${formatDuration(health.ms)}`]);
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
      const found = (await this.list(host, target)).find((c) => c.release.version === release.version && c.running && c.color);
      if (!found) throw new UserError(`${host.name}: ${release.version} is not running as blue or green`);
      const proxy = await this.inspect(host, proxyName(target));
      const publish = Number(proxy?.Config.Labels?.[LABEL.publish]);
      if (!proxy || !publish) throw new UserError(`${host.name}: ${proxyName(target)} does not exist (blue-green was never deployed here)`);
      const ip = await this.ipOf(host, found.id, networkName(target));
      await this.switchProxy(host, { ...target, publish }, { ip, port: found.port, color: found.color! }, '/');
    }
  }
}

/** What the post step undoes: the ssh session's files and any login a killed step left. */
export interface DockerState {
  ssh?: SshState;
  logins: readonly LoginRecord[];
}
