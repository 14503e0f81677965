import { DomainError } from '@palermo/indicators';
import { isStixId } from './stix.ids';

/** Roughly how many characters stixBundleChunks gathers before yielding (fewer, larger writes). */
export const BUNDLE_CHUNK_CHARS = 64 * 1024;

/**
 * A STIX bundle `{"type":"bundle","id":…,"objects":[…]}` written as it goes: each object is
 * serialized when it arrives and never kept. A bundle without objects has no "objects" key (the
 * schema wants at least one when it is present).
 */
export async function* stixBundleChunks(bundleId: string, objects: AsyncIterable<object> | Iterable<object>): AsyncGenerator<string> {
  if (!isStixId(bundleId, 'bundle')) throw new DomainError('STIX_BUNDLE_ID_INVALID', `${JSON.stringify(String(bundleId).slice(0, 60))} is not a bundle id (bundle--<uuid>)`);
  const head = `{"type":"bundle","id":${JSON.stringify(bundleId)}`;
  let pending = '';
  let count = 0;
  for await (const object of objects) {
    pending += (count === 0 ? `${head},"objects":[` : ',') + JSON.stringify(object);
    count++;
    if (pending.length >= BUNDLE_CHUNK_CHARS) {
      yield pending;
      pending = '';
    }
  }
  yield count === 0 ? `${head}}` : `${pending}]}`;
}
