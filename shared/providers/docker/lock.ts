/**
 * The deploy lock: one run at a time changes an environment on a host. The
 * lock is a created (never started) container named
 * `<service>-<environment>-lock`, labelled with its holder; Docker reserves
 * container names atomically, so two deploys cannot both win.
 */
import { cancelSignal, throwIfCancelled } from '../../cancel.js';
import { formatDuration } from '../../duration.js';
import { UserError } from '../../errors.js';
import { tail } from '../../exec.js';
import { sleep } from '../../retry.js';
import type { ProviderContext, Release, Target } from '../types.js';
import type { DockerHost } from './host.js';
import type { Leftovers } from './leftovers.js';
import { LABEL, labelArgs, lockName, targetLabels, type Inspected } from './labels.js';
import type { DockerSettings } from './settings.js';

interface Holder {
  run: string;
  time: string;
  version: string;
}

export class DeployLocks {
  private readonly held: { host: DockerHost; id: string }[] = [];

  constructor(
    private readonly settings: Pick<DockerSettings, 'lock-timeout' | 'force-unlock'>,
    private readonly context: ProviderContext,
    private readonly leftovers: Leftovers,
  ) {}

  /**
   * Take the lock on `host` (the container is created from `image`, already there), waiting up to `lock-timeout` for
   * another run's.
   */
  async take(host: DockerHost, target: Target, release: Release, image: string): Promise<void> {
    const { log } = this.context;
    const name = lockName(target);
    if (this.settings['force-unlock']) await this.forceUnlock(host, name);
    const timeout = this.settings['lock-timeout'];
    const started = Date.now();
    const labels = {
      ...targetLabels(target, 'lock'),
      [LABEL.holder]: release.runUrl || 'unknown run',
      [LABEL.version]: release.version,
      [LABEL.time]: new Date().toISOString(),
    };
    let reported = 0;
    while (true) {
      throwIfCancelled();
      const created = await host.docker(['create', '--name', name, ...labelArgs(labels), image], {
        allowFailure: true,
      });
      if (created.code === 0) {
        this.held.push({ host, id: created.stdout.trim() });
        this.leftovers.add(host, created.stdout.trim(), 'lock');
        return;
      }
      if (!/conflict|already in use/i.test(created.stderr))
        throw new UserError(`${host.name}: could not take the deploy lock: ${tail(created.stderr, 3)}`);
      const holder = await lockHolder(host, name);
      const elapsed = Date.now() - started;
      if (!holder) {
        // Released between the two calls (try again soon), unless the lock stays there but cannot be read.
        if (elapsed >= timeout)
          throw new UserError(
            `${host.name}: could not take the deploy lock ${name} within ${formatDuration(timeout)} (lock-timeout): it exists but could not be inspected`,
          );
        await sleep(Math.min(200, timeout - elapsed), cancelSignal);
        continue;
      }
      if (elapsed >= timeout)
        throw new UserError(
          `${host.name}: ${target.service} on ${target.environment} is locked by ${holder.run} since ${holder.time} (deploying ${holder.version}); waited ${formatDuration(timeout)} (lock-timeout). If that deploy died, run again with force-unlock: true.`,
        );
      if (reported === 0 || Date.now() - reported >= 10_000) {
        log(
          `${host.name}: waiting for the lock held by ${holder.run} since ${holder.time} (elapsed ${formatDuration(elapsed)} of ${formatDuration(timeout)})`,
        );
        reported = Date.now();
      }
      await sleep(Math.min(1000, timeout - elapsed), cancelSignal);
    }
  }

  /** Drop the locks this run holds (by id: never another run's). */
  async releaseAll(): Promise<void> {
    for (const lock of this.held.splice(0)) {
      const removed = await lock.host.docker(['rm', '-f', lock.id], { allowFailure: true });
      if (removed.code === 0) this.leftovers.done(lock.id);
    }
  }

  private async forceUnlock(host: DockerHost, name: string): Promise<void> {
    const holder = await lockHolder(host, name);
    if (holder) {
      await host.docker(['rm', '-f', name], { allowFailure: true });
      this.context.warn(
        `${host.name}: force-unlock released the lock held by ${holder.run} since ${holder.time} (version ${holder.version})`,
      );
    } else this.context.log(`${host.name}: force-unlock: no lock was held`);
  }
}

async function lockHolder(host: DockerHost, name: string): Promise<Holder | undefined> {
  const found = await host.docker(['inspect', '--type', 'container', name], { allowFailure: true });
  if (found.code !== 0) return undefined;
  const labels = (JSON.parse(found.stdout) as Inspected[])[0]?.Config.Labels ?? {};
  return {
    run: labels[LABEL.holder] ?? 'an unknown run',
    time: labels[LABEL.time] ?? 'an unknown time',
    version: labels[LABEL.version] ?? '?',
  };
}
