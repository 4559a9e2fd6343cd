import { UserError } from '../errors.js';
import { commandProvider } from './command/index.js';
import { dockerProvider } from './docker/index.js';
import { kubernetesProvider } from './kubernetes/index.js';
import type { ProviderModule } from './types.js';

/**
 * Every provider by its `provider` input name. Add a provider by importing its
 * module here.
 */
const PROVIDERS: Record<string, ProviderModule> = {
  docker: dockerProvider,
  kubernetes: kubernetesProvider,
  command: commandProvider,
};

export const providerNames = (): string[] => Object.keys(PROVIDERS);

export const findProvider = (name: string): ProviderModule | undefined => PROVIDERS[name.trim().toLowerCase()];

export function providerModule(name: string): ProviderModule {
  const module = findProvider(name);
  if (!module)
    throw new UserError(
      `Unknown provider "${name}": expected one of ${providerNames()
        .map((n) => `"${n}"`)
        .join(', ')}`,
    );
  return module;
}
