import * as core from '@actions/core';
import { z } from 'zod';
import { fail, oneOf, parseInputs, singleLine } from '../inputs.js';
import { info } from '../log.js';
import { providerNames, findProvider } from './index.js';
import { runContext, type RunContext } from '../context.js';
import { InputError, UserError } from '../errors.js';
import type { DeployRequest, Provider, ProviderContext, ProviderModule, ProviderUse, Release, Strategy, Target } from './types.js';

/** Environment names as GitHub and container names both accept them. */
export const environmentName = () =>
  singleLine().transform((s, ctx) => {
    const v = s.trim();
    return /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/.test(v) ? v : fail(ctx, 'an environment name of letters, digits, "-" and "_" (starting with a letter or digit, at most 63)');
  });

/** Service names end up in container names: letters, digits, `.`, `_`, `-`. Empty means the repository name. */
export const serviceName = () =>
  singleLine().transform((s, ctx) => {
    const v = s.trim();
    return v === '' || /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(v) ? v : fail(ctx, 'a name of letters, digits, ".", "_" and "-" (starting with a letter or digit, at most 63)');
  });

/** A path on the release itself: `/health`, never `//other-host/…`, which a URL join would send elsewhere. */
export const readinessPath = () =>
  singleLine().transform((s, ctx) => {
    if (!s.trim()) return fail(ctx, 'a path such as /health');
    const path = s.trim().startsWith('/') ? s.trim() : `/${s.trim()}`;
    return /^\/(?!\/)[^\s\\]*$/.test(path) ? path : fail(ctx, 'a path such as /health (no spaces, not starting with //)');
  });

export const providerName = () => oneOf(providerNames() as [string, ...string[]]);

/**
 * Parse an action's common inputs together with the chosen provider's own
 * inputs, then the provider's checks across its inputs for what the action
 * does with it (`use`), so every bad input is reported in one error before
 * anything runs.
 */
export function parseWithProvider<S extends z.ZodObject<z.ZodRawShape>>(
  common: S,
  secrets: readonly string[],
  use: ProviderUse,
): { config: z.output<S>; settings: Record<string, unknown>; module: ProviderModule } {
  const module = findProvider(core.getInput('provider') || 'docker');
  const schema = module ? common.extend(module.inputs.shape) : common;
  const parsed = parseInputs(schema as S, { secrets: [...secrets, ...(module?.secrets ?? [])] as never[], secretParts: module?.secretParts as never }) as z.output<S>;
  // A provider that does not exist was reported by the common schema's `provider` field.
  const problems = module!.check(parsed as never, use, runContext().workspace);
  if (problems.length) throw new InputError(problems);
  return { config: parsed, settings: parsed as Record<string, unknown>, module: module! };
}

const STATE_PROVIDER = 'provider';
const STATE_DATA = 'provider-state';

export function providerContext(tempDir: string): ProviderContext {
  return { log: info, warn: (line) => core.warning(line), tempDir, saveState: (state) => core.saveState(STATE_DATA, state) };
}

/** Keys of the `env` input: variable names (values are masked by keyValueLines). */
export const ENV_KEY = { pattern: /^[A-Za-z_][A-Za-z0-9_]*$/, expected: 'variable names of letters, digits and "_" (not starting with a digit)' };

export const targetOf = (environment: string, service: string): Target => ({ environment, service });

/** Save what the post step needs right after the provider is created, so it runs even when main fails. */
export function saveProviderState(module: ProviderModule, provider: Provider): void {
  core.saveState(STATE_PROVIDER, module.name);
  core.saveState(STATE_DATA, provider.postState());
}

/** The deploy-to-env inputs a provider's deploy needs (the one-step deploy takes the same ones). */
export interface DeployInputs {
  image: string;
  strategy: Strategy;
  port: number;
  publish: number;
  'readiness-path': string;
  'readiness-timeout': number;
  env: Record<string, string>;
  keep: number;
}

/** What a provider is asked to deploy: `image` as this run's release. */
export function deployRequest(config: DeployInputs, target: Target, ctx: RunContext, live: Release | undefined): DeployRequest {
  return {
    ...target,
    release: { image: config.image, version: config.image, commit: ctx.sha, runUrl: ctx.runUrl },
    strategy: config.strategy,
    port: config.port,
    publish: config.publish,
    readinessPath: config['readiness-path'],
    readinessTimeoutMs: config['readiness-timeout'],
    env: config.env,
    keep: config.keep,
    live,
  };
}

/** Fail on a strategy the provider does not implement, naming the ones it does. */
export function checkStrategy(module: ProviderModule, strategy: string): void {
  if (!module.strategies.includes(strategy as Strategy))
    throw new UserError(`Input "strategy": the ${module.name} provider supports ${module.strategies.map((s) => `"${s}"`).join(', ')}, not "${strategy}"`);
}

/**
 * Create the provider, save what its post step needs (before anything can
 * fail), run `work`, and close the provider whatever happens.
 */
export async function withProvider<T>(module: ProviderModule, settings: Record<string, unknown>, tempDir: string, work: (provider: Provider) => Promise<T>): Promise<T> {
  const provider = module.create(settings, providerContext(tempDir));
  saveProviderState(module, provider);
  try {
    return await work(provider);
  } finally {
    await provider.close();
  }
}

/** The post step of deploy-to-env, rollback and deploy: the provider's cleanup (key files, connections, registry logins). */
export async function providerPost(): Promise<void> {
  const name = core.getState(STATE_PROVIDER);
  const module = name ? findProvider(name) : undefined;
  if (!module) return;
  await module.cleanup(core.getState(STATE_DATA), providerContext(runContext().runnerTemp));
}
