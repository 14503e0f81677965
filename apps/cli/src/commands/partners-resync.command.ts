import type { Command } from 'commander';
import type { RebuiltChain } from '../../../node/src/resync/resync.service';
import { ApiClient, type ApiOptions } from '../api.client';

interface ResyncOptions extends ApiOptions {
  fromScratch?: boolean;
  audience?: string;
  json?: boolean;
}

/** `palermo partners resync <id> [--from-scratch]`: asks the running node to re-request a partner's chains (POST /partners/:id/resync). */
export function registerPartnersResync(partners: Command): void {
  partners
    .command('resync')
    .description("re-request a partner's chains addressed to this node, re-verify every bundle, import what is missing (safe to run twice)")
    .argument('<id>', "the partner's node id")
    .option('--from-scratch', 'from seq 1 instead of after the last bundle this node holds')
    .option('--audience <audience>', "only this chain: this node's id or all")
    .option('--json', 'print JSON')
    .option('--api <url>', 'node API URL (default PALERMO_API_URL or the port in the node config)')
    .option('--token <token>', 'policy-officer or admin token (default PALERMO_TOKEN)')
    .option('--data-dir <dir>', 'node data dir (to find its port)')
    .action(async (id: string, opts: ResyncOptions) => {
      const body = { ...(opts.fromScratch ? { fromScratch: true } : {}), ...(opts.audience ? { audience: opts.audience } : {}) };
      const result = await ApiClient.from(opts).call<{ partner: string; chains: RebuiltChain[] }>('POST', `/partners/${encodeURIComponent(id)}/resync`, body);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      for (const c of result.chains) {
        process.stdout.write(
          `${result.partner}/${c.audience}: from seq ${c.fromSeq} to ${c.headSeq ?? '-'}: fetched ${c.fetched}, already had ${c.alreadyHad}, imported ${c.imported}, quarantined ${c.quarantined}${c.stopped ? `; stopped: ${c.stopped.code} ${c.stopped.message}` : ''}\n`,
        );
      }
    });
}
