import { UserError } from '../errors.js';
import { commandProvider } from './command/index.js';
import { dockerProvider } from './docker/index.js';
import type { ProviderModule } from './types.js';

/**
 * Every provider by its `provider` input name. Add a provider by importing its
 * module here (kubernetes and command come next).
 */
const PROVIDERS: Record<string, ProviderModule> = {
  docker: dockerProvider,
  command: commandProvider,
};

export const providerNames = (): string[] => Object.keys(PROVIDERS);

export const findProvider = (name: string): ProviderModule | undefined => PROVIDERS[name.trim().toLowerCase()];

export function providerModule(name: string): ProviderModule {
  const module = findProvider(name);
  if (!module) throw new UserError(`Unknown provider "${name}": expected one of ${providerNames().map((n) => `"${n}"`).join(', ')}`);
  return module;
}
