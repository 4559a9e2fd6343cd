/**
 * `${NAME}` references in check values: captured earlier in the flow, else
 * one of the environment variables the workflow passes to the checks on
 * purpose (named SMOKE_…, or listed in an input). The runner's own variables
 * (tokens, cache and results URLs, inputs, state) are never readable.
 */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Every variable name `text` refers to. */
export function references(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((m) => m[1]);
}

/** Every variable name referred to anywhere inside a string, list or object (keys excluded). */
export function deepReferences(value: unknown): string[] {
  if (typeof value === 'string') return references(value);
  if (Array.isArray(value)) return value.flatMap(deepReferences);
  if (value && typeof value === 'object') return Object.values(value).flatMap(deepReferences);
  return [];
}

/** Environment variables with this prefix are the checks' without being listed. */
export const SMOKE_PREFIX = 'SMOKE_';
/**
 * The runner's and GitHub's own (ACTIONS_RUNTIME_TOKEN, ACTIONS_ID_TOKEN_REQUEST_TOKEN, GITHUB_TOKEN, INPUT_*,
 * STATE_*…).
 */
const RUNNER_PREFIXES = ['ACTIONS_', 'GITHUB_', 'INPUT_', 'STATE_', 'RUNNER_'];
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Case-insensitive, as environments are on Windows runners. */
export const isRunnerVariable = (name: string): boolean =>
  RUNNER_PREFIXES.some((prefix) => name.toUpperCase().startsWith(prefix));

/** Why a name given in the variables input cannot be listed, or undefined when it can. */
export function listedVariableProblem(name: string): string | undefined {
  if (!NAME.test(name))
    return `${JSON.stringify(name)} is not a variable name (letters, digits and _, not starting with a digit)`;
  if (isRunnerVariable(name))
    return `${name} is one of the runner's own variables (${RUNNER_PREFIXES.map((p) => `${p}*`).join(', ')}), which checks can never read`;
  return undefined;
}

/** The environment variables checks may read: SMOKE_* and the listed ones, never the runner's own. */
export function checkVariables(env: NodeJS.ProcessEnv, listed: readonly string[]): Record<string, string> {
  const allowed: Record<string, string> = {};
  for (const [name, value] of Object.entries(env))
    if (value !== undefined && !isRunnerVariable(name) && (name.startsWith(SMOKE_PREFIX) || listed.includes(name)))
      allowed[name] = value;
  return allowed;
}

/** What a person should do about `${name}`, found neither among the captures nor the variables passed. */
export function unknownVariable(name: string, where: string, variablesInput = 'variables'): string {
  if (isRunnerVariable(name))
    return `\${${name}} is one of the runner's own variables, which checks can never read (pass the value under a ${SMOKE_PREFIX} name instead)`;
  return (
    `\${${name}} is neither captured by ${where} nor a variable passed to the checks: set it with env: in the workflow` +
    ` under a name starting with ${SMOKE_PREFIX}, or list ${name} in the "${variablesInput}" input`
  );
}

export interface Variables {
  captures: Map<string, unknown>;
  /** The environment variables the checks may read (checkVariables). */
  env: Readonly<Record<string, string | undefined>>;
  /** Called with each environment value used, so it is masked before anything can print it. */
  onSecret: (value: string) => void;
}

function lookup(name: string, vars: Variables): unknown {
  if (vars.captures.has(name)) return vars.captures.get(name);
  const value = vars.env[name];
  if (value === undefined) throw new Error(unknownVariable(name, 'an earlier step'));
  vars.onSecret(value);
  return value;
}

const asText = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

export function substitute(text: string, vars: Variables): string {
  return text.replace(REFERENCE, (_, name: string) => asText(lookup(name, vars)));
}

/**
 * Substitute inside a JSON body. A string that is exactly one reference takes
 * the captured value as it is, so a captured number stays a number.
 */
export function substituteDeep(value: unknown, vars: Variables): unknown {
  if (typeof value === 'string') {
    const whole = WHOLE.exec(value);
    return whole ? lookup(whole[1], vars) : substitute(value, vars);
  }
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, vars));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, vars)]));
  return value;
}
