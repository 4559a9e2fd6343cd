/** The command provider's inputs: the user's deploy, rollback and teardown scripts and how long they may run. */
import { z } from 'zod';
import { duration } from '../../inputs.js';
import { bashScript } from './script.js';

export const commandInputs = z.object({
  'deploy-command': bashScript(),
  'rollback-command': bashScript(),
  'teardown-command': bashScript(),
  'command-timeout': duration({ min: 1000 }),
});

export type CommandSettings = z.output<typeof commandInputs>;
