import { Injectable } from '@nestjs/common';
import type { ActorRef } from '@palermo/policy';
import { Store, type AlertRecord } from '@palermo/store';
import type { AlertQuery } from './alerts.query';

/** Reading correlation alerts (the AlertCorrelator writes them). */
@Injectable()
export class AlertsService {
  constructor(private readonly store: Store) {}

  list(query: AlertQuery) {
    return this.store.alerts.list(query);
  }

  get(id: string): Promise<AlertRecord> {
    return this.store.alerts.get(id);
  }

  acknowledge(id: string, by: ActorRef): Promise<AlertRecord> {
    return this.store.alerts.acknowledge(id, by);
  }
}
