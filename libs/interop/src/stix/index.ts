// STIX 2.1 mapping: filled by the interoperability work (issue 6).
export {};
