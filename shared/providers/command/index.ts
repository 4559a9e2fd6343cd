import type { ProviderModule } from '../types.js';
import { CommandProvider } from './provider.js';
import { commandInputs } from './settings.js';

export const commandProvider: ProviderModule<typeof commandInputs> = {
  name: 'command',
  inputs: commandInputs,
  secrets: [],
  // The script decides how the platform swaps releases; the strategy input is passed through untouched.
  strategies: ['blue-green', 'recreate', 'rolling'],
  check: (settings, use) => {
    if (use === 'deploy' && !settings['deploy-command'])
      return [
        '"deploy-command": expected the bash script that deploys $DEPLOY_IMAGE (required with provider "command"), got nothing',
      ];
    if (use === 'rollback' && !settings['rollback-command'] && !settings['deploy-command'])
      return [
        '"rollback-command": expected the bash script that rolls back to $DEPLOY_IMAGE, or "deploy-command" to deploy the earlier image again (required with provider "command"), got nothing',
      ];
    if (use === 'teardown' && !settings['teardown-command'])
      return [
        '"teardown-command": expected the bash script that removes the environment $DEPLOY_ENVIRONMENT (required with provider "command"), got nothing',
      ];
    return [];
  },
  create: (settings, context) => new CommandProvider(settings, context),
  // Nothing is left behind: the scripts run in the workspace and own their files.
  cleanup: () => Promise.resolve(),
};
