import { Migration } from '@mikro-orm/migrations';

/**
 * Encrypted bundles (issue 4 item 3):
 * - agreement.encrypt: the agreement requires every bundle on the partner's chain to travel
 *   encrypted to the partner's key (TLP:AMBER+STRICT and TLP:RED entries always do).
 * - bundle.encrypted_to: outbound, the fingerprint of the partner key pinned when the bundle was
 *   stored, which says it must be encrypted (the message is built with the key pinned at publish
 *   time); inbound, this node's fingerprint when the bundle arrived encrypted to it. Null = in clear.
 * Same rules as the other migrations: one statement per addSql, the same DDL on PostgreSQL and PGlite.
 */
export class Migration20261206000100EncryptedBundles extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table agreement add column encrypt boolean not null default false`);
    this.addSql(`alter table bundle add column encrypted_to text check (encrypted_to ~ '^[0-9a-f]{40,64}$')`);
  }

  override async down(): Promise<void> {
    this.addSql(`alter table bundle drop column if exists encrypted_to`);
    this.addSql(`alter table agreement drop column if exists encrypt`);
  }
}
