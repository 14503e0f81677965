// MISP event mapping: filled by the interoperability work (issue 6).
export {};
