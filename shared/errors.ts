/**
 * A failure the user can fix (bad input, unhealthy release, refused login).
 * `run()` reports it as a plain message: no stack trace, because the stack
 * would only hide the sentence that matters.
 */
export class UserError extends Error {
  override readonly name = 'UserError';
}

/** Every input problem of one run, reported together in one `::error::`. */
export class InputError extends UserError {
  constructor(readonly problems: readonly string[]) {
    super(
      problems.length === 1
        ? `Invalid input: ${problems[0]}`
        : `Invalid inputs:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
  }
}

/** A failure that says how it failed, so callers branch on `kind` rather than on the message's wording. */
export class KindedError<Kind extends string> extends Error {
  constructor(
    message: string,
    readonly kind: Kind,
  ) {
    super(message);
  }
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
