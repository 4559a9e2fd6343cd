import { z } from 'zod';
import { InputError } from '../../../shared/errors.js';
import {
  boolean,
  fail,
  keyValueLines,
  list,
  multiLine,
  oneOf,
  optionalText,
  parseInputs,
  secretText,
  shapeProblem,
  singleLine,
  splitLines,
  text,
} from '../../../shared/inputs.js';
import { mask } from '../../../shared/mask.js';
import { isRegistryHost, parseImageName, parseTagReference } from '../../../shared/docker/reference.js';
import { CACHE_MODES } from '../../../shared/docker/spec.js';
import { SHA_SOURCES, TAG_RULES, type TagRule } from '../../../shared/docker/tags.js';

// buildx's `os/arch[/variant]`.
const PLATFORM = /^[a-z0-9_]+\/[a-z0-9_]+(?:\/[a-z0-9_.]+)?$/;
// A git or URL context may carry a token in its user part (`https://x-access-token:…@github.com/…`).
const CONTEXT_CREDENTIALS = /^[a-z][a-z0-9+.-]*:\/\/[^/?#\s]*@/i;

const schema = z.object({
  image: singleLine().transform((s, ctx) => {
    const parsed = parseImageName(s);
    return parsed.ok ? parsed.value : fail(ctx, parsed.reason);
  }),
  context: z.string().transform((s, ctx) => {
    const v = s.trim();
    if (CONTEXT_CREDENTIALS.test(v)) {
      mask(v);
      return fail(
        ctx,
        'a context URL without a user name or password (docker prints the context and keeps it in the build history); use a public URL or check the repository out first',
        { conceal: true },
      );
    }
    const problem = shapeProblem(v);
    return problem ? fail(ctx, problem) : v || '.';
  }),
  file: optionalText(),
  'build-args': keyValueLines(),
  // A Dockerfile stage name (`FROM … AS <name>`).
  target: singleLine().transform((s, ctx) => {
    const v = s.trim();
    return !v || /^[a-z][a-z0-9_.-]*$/i.test(v)
      ? v || undefined
      : fail(ctx, 'a Dockerfile stage name: a letter, then letters, digits, "_", "." and "-"');
  }),
  platforms: list({ commas: true }).transform((platforms, ctx) => {
    const bad = platforms.filter((p) => !PLATFORM.test(p));
    return bad.length
      ? fail(
          ctx,
          `platforms os/arch[/variant], comma-separated, e.g. linux/amd64,linux/arm64 or linux/arm/v7; ${bad.map((p) => JSON.stringify(p)).join(', ')} ${bad.length === 1 ? 'is' : 'are'} not`,
        )
      : platforms;
  }),
  push: boolean(),
  registry: singleLine().transform((s, ctx) => {
    const v = s.trim();
    return !v || isRegistryHost(v)
      ? v || undefined
      : fail(ctx, 'a registry host such as ghcr.io or registry.example.com:5000');
  }),
  username: text({ argument: true }).transform((s, ctx) =>
    /\s/.test(s) ? fail(ctx, 'a user name without spaces') : s,
  ),
  password: secretText({ multiLine: true }).transform((s) => s ?? ''),
  'github-token': secretText({ token: true }).transform((s) => s ?? ''),
  tags: multiLine().transform((s) => splitLines(s)),
  'tag-rules': multiLine().transform((s, ctx): TagRule[] => {
    const rules = splitLines(s, { commas: true }).map((r) => r.toLowerCase());
    const unknown = rules.filter((r) => !(TAG_RULES as readonly string[]).includes(r));
    if (!unknown.length) return rules as TagRule[];
    return fail(ctx, `a comma-separated list of ${TAG_RULES.join(', ')} (unknown: ${unknown.join(', ')})`);
  }),
  'sha-source': oneOf(SHA_SOURCES),
  labels: keyValueLines(),
  'layer-cache': oneOf(CACHE_MODES),
});

/** The one registry the step logs in to, and with what. */
export interface Login {
  registry: string;
  username: string;
  password: string;
}

/**
 * `githubToken`: the job token, for the registry only when it is ghcr.io, and to read the repository from the GitHub
 * API when the event lacks it.
 */
export type Config = Omit<z.output<typeof schema>, 'tags' | 'password' | 'github-token'> & {
  tags: string[];
  login?: Login;
  githubToken: string;
};

/** The only registry the job token may be sent to. */
const GHCR = 'ghcr.io';

export function readConfig(): Config {
  const {
    password,
    'github-token': githubToken,
    ...config
  } = parseInputs(schema, { secrets: ['password', 'github-token'] });
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
  return { ...config, tags, login, githubToken };
}
