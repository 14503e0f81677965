import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { DomainError } from '@palermo/indicators';
import { ApiClient, type ApiOptions } from '../api.client';
import { stixCommand } from './stix-import.command';

const PSEUDONYM_ONLY_HEADER = 'x-palermo-pseudonym-only-withheld';

/**
 * `palermo stix export [--since T] [--collection C] [--out FILE]`: streams the node's STIX 2.1 bundle
 * (GET /api/v1/stix/bundle) to a file or stdout without holding it in memory. Adds `export` under the
 * `stix` command (made once, by stixCommand, whichever half registers first).
 */
export function registerStixExport(program: Command): void {
  stixCommand(program)
    .command('export')
    .description('write a STIX 2.1 bundle of a collection (default: everything this node holds with a value)')
    .option('--since <timestamp>', 'only what was added after this RFC 3339 UTC instant')
    .option('--collection <name>', 'local (default), all, or a partner node id')
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--api <url>', 'the node API (default: PALERMO_API_URL or the port in the node config)')
    .option('--token <token>', 'bearer token (or PALERMO_TOKEN); a partner token exports its own feed')
    .option('--data-dir <dir>', "the node's data dir (to find its port)")
    .action(async (opts: ApiOptions & { since?: string; collection?: string; out?: string }) => {
      const withheld = await exportStix(ApiClient.from(opts), opts);
      if (withheld > 0) process.stderr.write(`palermo: ${withheld} object(s) of indicators held only as a pseudonym were left out (no value to export)\n`);
    });
}

/** Streams the bundle to `out` (or stdout); returns how many pseudonym-only indicators were left out. */
export async function exportStix(client: ApiClient, opts: { since?: string; collection?: string; out?: string }): Promise<number> {
  const params = new URLSearchParams();
  if (opts.since) params.set('since', opts.since);
  if (opts.collection) params.set('collection', opts.collection);
  const res = await client.download(`/stix/bundle${params.size > 0 ? `?${params}` : ''}`);
  const status = res.statusCode ?? 0;
  if (status < 200 || status >= 300) {
    const text = await readText(res);
    let error: { code?: string; message?: string } = {};
    try {
      error = (JSON.parse(text) as { error?: typeof error }).error ?? {};
    } catch {
      // not JSON: report the text
    }
    throw new DomainError(error.code ?? `HTTP_${status}`, error.message ?? text.slice(0, 500));
  }
  const source = res;
  const withheld = Number(res.headers[PSEUDONYM_ONLY_HEADER] ?? 0);
  if (!opts.out) {
    await pipeline(source, process.stdout, { end: false });
    return withheld;
  }
  // Written beside the target and renamed when complete: a cut connection (the node failed
  // mid-export) never leaves a truncated FILE that looks like an export, nor replaces a good one.
  const partial = `${opts.out}.partial`;
  try {
    await pipeline(source, createWriteStream(partial));
    await rename(partial, opts.out);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return withheld;
}

/** An error answer's text, at most 64 KiB of it (an error is small; a hostile node could send more). */
async function readText(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk as Buffer);
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, 64 * 1024);
}
