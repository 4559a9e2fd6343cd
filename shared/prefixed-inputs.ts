import type { z } from 'zod';

/**
 * One topic's inputs taken by an action under a prefix: the one-step deploy
 * takes health-gate's `deadline` as `health-deadline` and smoke-test's
 * `timeout` as `smoke-timeout`, with the same fields (same parsing, same
 * messages). A topic builds its shape once per prefix, so a message that
 * names a sibling input names it as the caller spells it.
 */
export type Prefixed<P extends string, S> = { [K in keyof S & string as `${P}${K}`]: S[K] };

/** The parsed values of a shape's inputs, under their own (unprefixed) names. */
export type ValuesOf<S extends z.ZodRawShape> = { [K in keyof S]: z.output<S[K]> };

export function withPrefix<P extends string, S extends z.ZodRawShape>(prefix: P, shape: S): Prefixed<P, S> {
  return Object.fromEntries(Object.entries(shape).map(([name, field]) => [`${prefix}${name}`, field])) as Prefixed<
    P,
    S
  >;
}

/**
 * A shape builder run once per prefix: a topic's shape serves its schema and
 * every read of its values, and building zod schemas is start-up time.
 */
export function perPrefix<S extends z.ZodRawShape>(build: (prefix: string) => S): (prefix: string) => S {
  const built = new Map<string, S>();
  return (prefix) => {
    let shape = built.get(prefix);
    if (!shape) built.set(prefix, (shape = build(prefix)));
    return shape;
  };
}

/** The values of `shape`'s inputs in a parsed config, read under `prefix`. */
export function withoutPrefix<S extends z.ZodRawShape>(
  config: Record<string, unknown>,
  prefix: string,
  shape: S,
): ValuesOf<S> {
  return Object.fromEntries(Object.keys(shape).map((name) => [name, config[`${prefix}${name}`]])) as ValuesOf<S>;
}
