import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, type ApiOptions } from '../api.client';
import { UsageError } from '../node-env';
import { checkFile, printReport, withImportApi, type ImportAnswer } from './stix-import.command';

/** The node's JSON body limit: a larger event is refused here rather than after the upload. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

/** `palermo misp import FILE`: sends a MISP event JSON to the node. */
export function registerMisp(program: Command): void {
  const misp = program.command('misp').description('MISP events: import into a running node');
  withImportApi(
    misp
      .command('import')
      .description('import the mappable attributes of a MISP event as own indicators; reports what was skipped')
      .argument('<file>', 'MISP event JSON ({"Event": {…}} or the bare event)'),
  ).action(async (file: string, opts: ApiOptions & { dryRun?: boolean; json?: boolean }) => {
    checkFile(file);
    const bytes = readFileSync(file);
    if (bytes.length > MAX_EVENT_BYTES) throw new UsageError(`${file}: ${bytes.length} bytes; the node reads MISP events up to 16 MB`);
    let event: unknown;
    try {
      event = JSON.parse(bytes.toString('utf8'));
    } catch (err) {
      throw new UsageError(`${file}: not valid JSON (${(err as Error).message})`);
    }
    const answer = await ApiClient.from(opts).call<ImportAnswer>('POST', `/misp/import${opts.dryRun ? '?dryRun=true' : ''}`, event);
    printReport(answer, opts.json);
  });
}
