/** The collector's answers other than success, shared by its routes and its request-body reader. */

/** An answer other than success: `message` goes to the client as `{ error }`, with `details` merged in. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** The rest of the request is not worth reading (oversized, too slow): answer, then close the connection. */
export const CLOSE = { connection: 'close' } as const;
