import { z } from 'zod';
import { InputError } from '../../../shared/errors.js';
import { boolean, keyValueLines, list, oneOf, optionalText, parseInputs, splitLines, text } from '../../../shared/inputs.js';
import { parseImageName, parseTagReference } from '../../../shared/docker/reference.js';
import { CACHE_MODES } from '../../../shared/docker/spec.js';
import { TAG_RULES, type TagRule } from '../../../shared/docker/tags.js';

const schema = z.object({
  image: z.string().transform((s, ctx) => {
    const parsed = parseImageName(s);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: 'custom', message: parsed.reason });
    return z.NEVER;
  }),
  context: z.string().transform((s) => s.trim() || '.'),
  file: optionalText(),
  'build-args': keyValueLines(),
  target: optionalText(),
  platforms: list({ commas: true }),
  push: boolean(),
  registry: optionalText(),
  username: text(),
  password: text(),
  'github-token': text(),
  tags: z.string().transform((s) => splitLines(s)),
  'tag-rules': z.string().transform((s, ctx): TagRule[] => {
    const rules = splitLines(s, { commas: true }).map((r) => r.toLowerCase());
    const unknown = rules.filter((r) => !(TAG_RULES as readonly string[]).includes(r));
    if (!unknown.length) return rules as TagRule[];
    ctx.addIssue({ code: 'custom', message: `a comma-separated list of ${TAG_RULES.join(', ')} (unknown: ${unknown.join(', ')})` });
    return z.NEVER;
  }),
  labels: keyValueLines(),
  cache: oneOf(CACHE_MODES),
});

/** The one registry the step logs in to, and with what. */
export interface Login {
  registry: string;
  username: string;
  password: string;
}

export type Config = Omit<z.output<typeof schema>, 'tags' | 'password' | 'github-token'> & { tags: string[]; login?: Login };

/** The only registry the job token may be sent to. */
const GHCR = 'ghcr.io';

export function readConfig(): Config {
  const { password, 'github-token': githubToken, ...config } = parseInputs(schema, { secrets: ['password', 'github-token'] });
  // Extra tags need the image to resolve bare tags against.
  const tags: string[] = [];
  const problems: string[] = [];
  for (const line of config.tags) {
    const ref = parseTagReference(line, config.image);
    if (ref.ok) tags.push(ref.value);
    else problems.push(`"tags": expected ${ref.reason}`);
  }
  let login: Login | undefined;
  if (config.push) {
    const registry = config.registry ?? config.image.registry;
    const ghcr = registry.toLowerCase() === GHCR;
    // The job token goes to ghcr.io alone: anywhere else only a password given on purpose is sent.
    const secret = password || (ghcr ? githubToken : '');
    if (!config.username) problems.push(`"username": expected the user to log in to ${registry} as, got nothing`);
    if (!secret)
      problems.push(
        ghcr
          ? `"password": expected a password or token for ${registry}, got nothing (and "github-token" is empty too)`
          : `"password": expected a password or token for ${registry}, got nothing. The job token ("github-token") is sent only to ghcr.io; set "password" from a secret, e.g. password: \${{ secrets.REGISTRY_PASSWORD }} (or push: false to build only)`,
      );
    login = { registry, username: config.username, password: secret };
  }
  if (problems.length) throw new InputError(problems);
  return { ...config, tags, login };
}
