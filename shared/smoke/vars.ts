/** `${NAME}` references in check values: captured earlier in the flow, else from the environment. */
const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;
const WHOLE = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;

/** Every variable name `text` refers to. */
export function references(text: string): string[] {
  return [...text.matchAll(REFERENCE)].map((m) => m[1]!);
}

/** Every variable name referred to anywhere inside a string, list or object (keys excluded). */
export function deepReferences(value: unknown): string[] {
  if (typeof value === 'string') return references(value);
  if (Array.isArray(value)) return value.flatMap(deepReferences);
  if (value && typeof value === 'object') return Object.values(value).flatMap(deepReferences);
  return [];
}

export interface Variables {
  captures: Map<string, unknown>;
  env: NodeJS.ProcessEnv;
  /** Called with each environment value used, so it is masked before anything can print it. */
  onSecret: (value: string) => void;
}

function lookup(name: string, vars: Variables): unknown {
  if (vars.captures.has(name)) return vars.captures.get(name);
  const value = vars.env[name];
  if (value === undefined) throw new Error(`\${${name}} is neither captured by an earlier step nor set in the environment`);
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
    return whole ? lookup(whole[1]!, vars) : substitute(value, vars);
  }
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, vars));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, vars)]));
  return value;
}
