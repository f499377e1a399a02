// SoQL errors: each carries a Socrata-style code (query.compiler.malformed, query.soql.no-such-column,
// query.soql.no-such-function, query.soql.type-mismatch, query.invalid) and a message for people.
export class SoqlError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly data: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'SoqlError';
  }
}

export const malformed = (message: string, position?: number): SoqlError =>
  new SoqlError('query.compiler.malformed', position === undefined ? message : `${message} (at position ${position + 1})`, position === undefined ? {} : { position: position + 1 });
