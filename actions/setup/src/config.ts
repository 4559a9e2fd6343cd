import { z } from 'zod';
import { boolean, oneOf, optionalText, parseInputs, text } from '../../../shared/inputs.js';

const schema = z.object({
  'node-version': optionalText(),
  'node-version-file': optionalText(),
  'package-manager': oneOf(['auto', 'npm', 'pnpm', 'yarn'] as const),
  'working-directory': text(),
  install: boolean(),
  cache: boolean(),
  'cache-key-suffix': z.string().transform((s, ctx) => {
    const v = s.trim();
    // A key may not contain commas (the cache service splits on them) and must stay short.
    if (v.includes(',') || v.length > 100) {
      ctx.addIssue({ code: 'custom', message: 'a short text without commas (at most 100 characters)' });
      return z.NEVER;
    }
    return v || undefined;
  }),
});

export type Config = z.output<typeof schema>;

export function readConfig(): Config {
  return parseInputs(schema);
}
