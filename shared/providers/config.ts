import * as core from '@actions/core';
import type { z } from 'zod';
import { runContext } from '../context.js';
import { InputError, UserError } from '../errors.js';
import { parseInputs } from '../inputs.js';
import { info } from '../log.js';
import { findProvider } from './index.js';
import type { Provider, ProviderContext, ProviderModule, ProviderUse, Strategy } from './types.js';

/**
 * A provider's life in an action: its inputs parsed with the action's, the
 * strategy checked, created (its post-step state saved at once), closed
 * whatever happens, and cleaned up in the post step.
 */

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
  unused: readonly string[] = [],
): { config: z.output<S>; settings: Record<string, unknown>; module: ProviderModule } {
  const module = findProvider(core.getInput('provider') || 'docker');
  // `unused`: provider inputs this action has no use for (and does not declare), left out of its schema.
  const shape = module
    ? Object.fromEntries(Object.entries(module.inputs.shape).filter(([name]) => !unused.includes(name)))
    : {};
  const schema = common.extend(shape);
  const parsed = parseInputs<S>(schema as S, {
    secrets: [...secrets, ...(module?.secrets ?? [])] as never[],
    secretParts: module?.secretParts as never,
  });
  // A provider that does not exist was reported by the common schema's `provider` field.
  const problems = module!.check(parsed, use, runContext().workspace);
  if (problems.length) throw new InputError(problems);
  return { config: parsed, settings: parsed, module: module! };
}

const STATE_PROVIDER = 'provider';
const STATE_DATA = 'provider-state';

function providerContext(tempDir: string): ProviderContext {
  return {
    log: info,
    warn: (line) => core.warning(line),
    tempDir,
    saveState: (state) => core.saveState(STATE_DATA, state),
  };
}

/** Save what the post step needs right after the provider is created, so it runs even when main fails. */
function saveProviderState(module: ProviderModule, provider: Provider): void {
  core.saveState(STATE_PROVIDER, module.name);
  core.saveState(STATE_DATA, provider.postState());
}

/** Fail on a strategy the provider does not implement, naming the ones it does. */
export function checkStrategy(module: ProviderModule, strategy: string): void {
  if (!module.strategies.includes(strategy as Strategy))
    throw new UserError(
      `Input "strategy": the ${module.name} provider supports ${module.strategies.map((s) => `"${s}"`).join(', ')}, not "${strategy}"`,
    );
}

/**
 * Create the provider, save what its post step needs (before anything can
 * fail), run `work`, and close the provider whatever happens.
 */
export async function withProvider<T>(
  module: ProviderModule,
  settings: Record<string, unknown>,
  tempDir: string,
  work: (provider: Provider) => Promise<T>,
): Promise<T> {
  const provider = module.create(settings, providerContext(tempDir));
  saveProviderState(module, provider);
  try {
    return await work(provider);
  } finally {
    await provider.close();
  }
}

/**
 * The post step of deploy-to-env, rollback and deploy: the provider's cleanup (key files, connections, registry
 * logins).
 */
export async function providerPost(): Promise<void> {
  const name = core.getState(STATE_PROVIDER);
  const module = name ? findProvider(name) : undefined;
  if (!module) return;
  await module.cleanup(core.getState(STATE_DATA), providerContext(runContext().runnerTemp));
}
