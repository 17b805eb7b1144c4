/** Errors of the BigQuery dialect layer. Each says what is wrong in one line, so that the CLI can print it as is. */

/** The query is not valid BigQuery SQL as far as the lexer or translator can tell (unterminated string, …). */
export class BigQuerySyntaxError extends Error {
  constructor(message: string) {
    super(`BigQuery SQL: ${message}`);
    this.name = 'BigQuerySyntaxError';
  }
}

/** The query uses a BigQuery feature that has no local equivalent; `feature` names it (e.g. `ML.PREDICT`). */
export class BigQueryUnsupportedError extends Error {
  constructor(
    readonly feature: string,
    detail?: string,
  ) {
    super(`BigQuery feature not supported locally: ${feature}${detail ? ` (${detail})` : ''} — see docs/sql.md`);
    this.name = 'BigQueryUnsupportedError';
  }
}
