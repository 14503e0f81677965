/** The one TAXII media type this server speaks (TAXII 2.1 §1.6.8). */
export const TAXII_MEDIA_TYPE = 'application/taxii+json;version=2.1';
/** What a collection holds (TAXII 2.1 collections list `media_types`; manifests name it per object). */
export const STIX_MEDIA_TYPE = 'application/stix+json;version=2.1';

/**
 * Whether an Accept header admits TAXII 2.1 JSON: `application/taxii+json` without a version or with
 * version=2.1, or a wildcard; a missing header accepts anything (RFC 9110 §12.5.1). Anything else —
 * plain JSON, another TAXII version, q=0 — is 406.
 */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  return accept.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((p) => p.trim().toLowerCase());
    const values = new Map(params.map((p) => p.split('=').map((s) => s.trim().replace(/^"|"$/g, '')) as [string, string]));
    if (values.has('q') && Number(values.get('q')) === 0) return false;
    if (type === '*/*' || type === 'application/*') return true;
    if (type !== 'application/taxii+json') return false;
    return !values.has('version') || values.get('version') === '2.1';
  });
}
