import type { Command } from 'commander';
import { ApiClient, type ApiOptions } from '../api.client';
import { UsageError } from '../node-env';

interface ListOptions extends ApiOptions {
  partner?: string;
  state?: string;
  json?: boolean;
}

interface AgreementSummary {
  id: string;
  partner: string;
  state: string;
  effectiveState: string;
  directions: string[];
  types: string[];
  maxTlp: string;
  purposes: string[];
  retentionDays: number | null;
  pseudonymize: string[];
  lookups: boolean;
  encrypt: boolean;
  onward: boolean;
  validFrom: string;
  validUntil: string | null;
  createdBy: { name: string };
  approvedBy: { name: string } | null;
}

/** `palermo agreements list|show`: what a running node has agreed with whom (read-only). */
export function registerAgreements(program: Command): void {
  const agreements = program.command('agreements').description('sharing agreements of a running node (drafting and approval go through the API, four-eyes)');
  const withApi = (cmd: Command) =>
    cmd
      .option('--json', 'print JSON')
      .option('--api <url>', 'node API URL (default PALERMO_API_URL or the port in the node config)')
      .option('--token <token>', 'policy-officer, auditor or admin token (default PALERMO_TOKEN)')
      .option('--data-dir <dir>', 'node data dir (to find its port)');
  withApi(agreements.command('list').description('list agreements').option('--partner <id>', 'only with this partner').option('--state <state>', 'only in this state')).action(
    async (opts: ListOptions) => {
      const query = new URLSearchParams();
      if (opts.partner) query.set('partner', opts.partner);
      if (opts.state) query.set('state', opts.state);
      const { items } = await ApiClient.from(opts).call<{ items: AgreementSummary[] }>('GET', `/agreements${query.size ? `?${query}` : ''}`);
      if (opts.json) return void process.stdout.write(`${JSON.stringify(items, null, 2)}\n`);
      if (items.length === 0) return void process.stdout.write('no agreements\n');
      for (const a of items) {
        process.stdout.write(`${a.id}  ${a.partner.padEnd(12)} ${a.effectiveState.padEnd(13)} ${a.directions.join('+').padEnd(13)} ≤${a.maxTlp.padEnd(12)} ${a.types.length} type(s)\n`);
      }
    },
  );
  withApi(agreements.command('show').description('one agreement with its history').argument('<id>', 'agreement id')).action(async (id: string, opts: ListOptions) => {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new UsageError(`${id}: expected an agreement id (uuid)`);
    const a = await ApiClient.from(opts).call<AgreementSummary & { history: { at: string; action: string; actor: { name: string } | null; details: unknown }[] }>('GET', `/agreements/${id}`);
    if (opts.json) return void process.stdout.write(`${JSON.stringify(a, null, 2)}\n`);
    const lines = [
      `agreement ${a.id} with ${a.partner}: ${a.state} (in effect: ${a.effectiveState})`,
      `  directions   ${a.directions.join(', ')}`,
      `  types        ${a.types.join(', ')}`,
      `  highest TLP  ${a.maxTlp}`,
      `  purposes     ${a.purposes.join(', ')}`,
      `  retention    ${a.retentionDays ? `${a.retentionDays} days` : 'no limit'}`,
      `  pseudonymize ${a.pseudonymize.join(', ') || '-'}`,
      `  lookups      ${a.lookups ? 'allowed' : 'not allowed'}`,
      `  encryption   ${a.encrypt ? 'every bundle' : 'TLP:AMBER+STRICT and TLP:RED only'}`,
      `  onward       ${a.onward ? 'relayed indicators allowed' : 'own indicators only'}`,
      `  valid        ${a.validFrom} – ${a.validUntil ?? 'open'}`,
      `  drafted by   ${a.createdBy.name}${a.approvedBy ? `, approved by ${a.approvedBy.name}` : ''}`,
      '  history:',
      ...a.history.map((h) => `    ${h.at}  ${h.action.padEnd(22)} ${h.actor?.name ?? '(system)'}`),
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  });
}
