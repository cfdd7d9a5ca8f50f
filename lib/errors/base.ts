/**
 * Every error upshift throws on purpose is an `UpshiftError` with a stable `code`, so that an
 * application can branch on `err.code` without parsing messages. Messages name the culprit and
 * the fix; fields carry the same facts for programs.
 */
export class UpshiftError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
