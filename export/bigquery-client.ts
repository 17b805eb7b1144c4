/**
 * The official BigQuery client, configured one way for the whole project: Application Default Credentials against
 * Google, or — with `apiEndpoint` — a stand-in or emulator that needs no Google credentials.
 */
import { BigQuery } from '@google-cloud/bigquery';
import { GoogleAuth, PassThroughClient } from 'google-auth-library';

export interface BigQueryClientOptions {
  projectId: string;
  /** Dataset and job location (e.g. `US`, `EU`). Default: BigQuery's (the dataset's own). */
  location?: string;
  /**
   * Base URL of a BigQuery-compatible endpoint (`http://127.0.0.1:9050`). With it, requests carry no Google
   * credentials (google-auth-library's PassThroughClient). Default: Google's, with Application Default Credentials.
   */
  apiEndpoint?: string;
  /** Let the client retry 408/429/5xx itself (its default). Default true; the streaming export does its own. */
  autoRetry?: boolean;
}

/** Thrown when Application Default Credentials cannot be found. */
export class MissingCredentialsError extends Error {
  constructor(cause: unknown) {
    super(
      'no Google credentials (Application Default Credentials): run `gcloud auth application-default login`, set GOOGLE_APPLICATION_CREDENTIALS to a service-account key, or pass --api-endpoint for a stand-in',
      { cause },
    );
    this.name = 'MissingCredentialsError';
  }
}

export function bigQueryClient(options: BigQueryClientOptions): BigQuery {
  return new BigQuery({
    projectId: options.projectId,
    ...(options.location === undefined ? {} : { location: options.location }),
    ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint.replace(/\/+$/, ''), authClient: new PassThroughClient() }),
    ...(options.autoRetry === false ? { autoRetry: false, maxRetries: 0 } : {}),
  });
}

/** Fails with MissingCredentialsError unless ADC finds credentials (skipped with an apiEndpoint, which needs none). */
export async function checkCredentials(options: BigQueryClientOptions): Promise<void> {
  if (options.apiEndpoint !== undefined) return;
  try {
    await new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/bigquery'] }).getClient();
  } catch (error) {
    throw new MissingCredentialsError(error);
  }
}

/** BigQuery's own message of a client error (the API's `error.message`), else the error's message; one line. */
export function apiMessage(error: unknown): string {
  const e = error as { errors?: { message?: string }[]; message?: string; code?: number | string };
  const own = e?.errors?.find((x) => typeof x.message === 'string' && x.message !== '')?.message ?? (error instanceof Error ? error.message : String(error));
  return own.split('\n')[0] ?? own;
}

/** The HTTP status of a client error (404, 409, …), or undefined for network errors. */
export function apiCode(error: unknown): number | undefined {
  const code = (error as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** BigQuery's message, or for an unreachable endpoint the network error's code first ("cannot reach BigQuery (ECONNREFUSED): …"). */
export function describeApiError(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|ETIMEDOUT|EHOSTUNREACH)$/.test(code)) {
    return `cannot reach BigQuery (${code}): ${apiMessage(error)}`;
  }
  return apiMessage(error);
}
