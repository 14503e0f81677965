import { Inject, Injectable } from '@nestjs/common';
import { DomainError, parseIndicatorBatch, normalizeValue } from '@palermo/indicators';
import { pseudonymize } from '@palermo/policy';
import { Store } from '@palermo/store';
import { ExportService } from '../export/export.service';
import { NODE_CONFIG, NODE_KEYS, type NodeConfig, type NodeKeys } from '../node/node-context';
import type { SearchQuery } from './indicators.query';

/** Publishing and searching indicators; reachable from HTTP, NATS and the CLI alike. */
@Injectable()
export class IndicatorsService {
  constructor(
    private readonly store: Store,
    private readonly exporter: ExportService,
    @Inject(NODE_CONFIG) private readonly config: NodeConfig,
    @Inject(NODE_KEYS) private readonly keys: NodeKeys,
  ) {}

  /** Validates and stores a batch of own indicators, all or nothing, then nudges the exporter. */
  async publish(body: unknown) {
    const parsed = parseIndicatorBatch(body, { defaultRegion: this.config.jurisdiction });
    if (!parsed.ok) {
      throw new DomainError('VALIDATION_FAILED', `${parsed.errors.length} problem(s) in the request; nothing was stored`, { errors: parsed.errors });
    }
    const results = await this.store.indicators.upsertOwn(this.config.nodeId, parsed.items);
    if (results.some((r) => r.status !== 'unchanged')) this.exporter.nudge();
    return { items: results };
  }

  /** Revokes an own indicator for good; partners learn it through the next bundle. */
  async revoke(id: string, reason: string) {
    const result = await this.store.indicators.revokeOwn(id, reason);
    this.exporter.nudge();
    return result;
  }

  /**
   * Searches own and imported indicators. A `value` filter is normalized like the data was, and
   * also matches indicators this node keeps only as a pseudonym (their value is never shown).
   */
  async search(query: SearchQuery) {
    const { include = [], ...filter } = query;
    const history = include.includes('history');
    const page = await this.find({ ...filter, includeRevoked: history || include.includes('revoked'), includeExpired: history || include.includes('expired') });
    if (!history) return page;
    const events = await this.store.indicators.history(page.items.map((i) => ({ origin: i.origin, id: i.id })));
    return { ...page, items: page.items.map((i) => ({ ...i, history: events.get(`${i.origin}/${i.id}`) ?? [] })) };
  }

  private async find(query: Omit<SearchQuery, 'include'> & { includeRevoked: boolean; includeExpired: boolean }) {
    const { value, ...rest } = query;
    if (value === undefined) return this.store.indicators.search(rest);
    if (!rest.type) throw new DomainError('VALIDATION_FAILED', 'filtering by value needs a type (e.g. ?type=phone&value=…)');
    const normalized = normalizeValue(rest.type, value, { defaultRegion: this.config.jurisdiction, chain: rest.chain });
    if (!normalized.ok) {
      throw new DomainError('VALIDATION_FAILED', `value: ${normalized.message}`, { errors: [{ path: ['value'], code: normalized.code, message: normalized.message }] });
    }
    const pseudonym = pseudonymize(this.keys.pseudonymSecret, rest.type, normalized.value);
    return this.store.indicators.search({ ...rest, valueOrPseudonym: { value: normalized.value, pseudonym } });
  }

  /**
   * One indicator with where it came from and why it was kept, and for an own indicator what the
   * export policy decided per audience (and the rules that decided).
   */
  async get(id: string) {
    const found = await this.store.indicators.getWithProvenance(id);
    if (!found) throw new DomainError('INDICATOR_NOT_FOUND', `no indicator ${id}`);
    const exportDecisions = found.indicator.own ? await this.store.exportDecisions.forIndicator(id) : [];
    const history = found.indicator.own ? [] : ((await this.store.indicators.history([{ origin: found.indicator.origin, id }])).get(`${found.indicator.origin}/${id}`) ?? []);
    return { ...found, exportDecisions, history };
  }
}

