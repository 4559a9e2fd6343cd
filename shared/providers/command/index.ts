import { z } from 'zod';
import { duration, optionalText } from '../../inputs.js';
import type { ProviderModule } from '../types.js';
import { CommandProvider } from './provider.js';

const inputs = z.object({
  'deploy-command': optionalText(),
  'rollback-command': optionalText(),
  'command-timeout': duration({ min: 1000 }),
});

export type CommandSettings = z.output<typeof inputs>;

export const commandProvider: ProviderModule<typeof inputs> = {
  name: 'command',
  inputs,
  secrets: [],
  // The script decides how the platform swaps releases; the strategy input is passed through untouched.
  strategies: ['blue-green', 'recreate', 'rolling'],
  create: (settings, context) => new CommandProvider(settings, context),
  // Nothing is left behind: the scripts run in the workspace and own their files.
  cleanup: async () => undefined,
};
