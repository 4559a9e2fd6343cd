import { z } from 'zod';
import { githubToken } from '../../../shared/deploy/inputs.js';
import { boolean, fail, parseInputs, requiredText, singleLine } from '../../../shared/inputs.js';

const schema = z.object({
  // Empty: the pull request of the event that started the run.
  'pull-request': singleLine().transform((s, ctx): number | undefined => {
    const v = s.trim();
    if (!v) return undefined;
    return /^[1-9]\d{0,9}$/.test(v) ? Number(v) : fail(ctx, 'a pull request number such as 42');
  }),
  body: requiredText('the comment text, in Markdown', { multiLine: true, max: 60_000 }),
  key: singleLine().transform((s, ctx) => {
    const v = s.trim() || 'preview';
    return /^[a-z0-9][a-z0-9_.-]{0,62}$/i.test(v)
      ? v
      : fail(ctx, 'a name of letters, digits, ".", "_" and "-" (starting with a letter or digit)');
  }),
  'only-if-open': boolean(),
  'github-token': githubToken(),
});

export type Config = z.output<typeof schema>;

export function readConfig(): Config {
  return parseInputs(schema, { secrets: ['github-token'] });
}
