/** `shoplab serve --bigquery PROJECT.DATASET`: the streaming export's setup, checked before the server listens. */
import path from 'node:path';
import { apiCode, bigQueryClient, checkCredentials, describeApiError } from './bigquery-client';
import { BigQueryStream } from './bigquery-stream';
import { ExportError } from './export-bigquery';

export interface ServeBigQueryOptions {
  /** `PROJECT.DATASET`. */
  target: string;
  dataDir: string;
  apiEndpoint?: string;
  location?: string;
}

/**
 * Checks credentials and the dataset (created when missing), then starts a BigQueryStream whose spool lives in
 * `<data>/bigquery-spool`. Fails with a one-line error before anything is served when BigQuery cannot be used.
 */
export async function startBigQueryStream(options: ServeBigQueryOptions): Promise<BigQueryStream> {
  const m = /^([a-z0-9.:-]+)\.([A-Za-z0-9_]{1,1024})$/.exec(options.target);
  if (!m?.[1] || !m[2]) throw new ExportError(`--bigquery must be PROJECT.DATASET (e.g. my-project.analytics_123456), got "${options.target}"`);
  const [projectId, dataset] = [m[1], m[2]];
  const clientOptions = { projectId, ...(options.apiEndpoint === undefined ? {} : { apiEndpoint: options.apiEndpoint }), ...(options.location === undefined ? {} : { location: options.location }) };
  await checkCredentials(clientOptions);
  const setup = bigQueryClient(clientOptions);
  try {
    await setup.dataset(dataset).get();
  } catch (error) {
    if (apiCode(error) !== 404) throw new ExportError(`--bigquery ${options.target}: ${describeApiError(error)}`, { cause: error });
    try {
      await setup.createDataset(dataset, options.location === undefined ? {} : { location: options.location });
    } catch (createError) {
      if (apiCode(createError) !== 409) throw new ExportError(`dataset ${projectId}:${dataset} does not exist and could not be created: ${describeApiError(createError)}`, { cause: createError });
    }
  }
  const stream = new BigQueryStream({
    bigquery: bigQueryClient({ ...clientOptions, autoRetry: false }),
    dataset,
    spoolDir: path.join(options.dataDir, 'bigquery-spool'),
  });
  stream.start();
  return stream;
}
