// STIX 2.1 / MISP mapping arrives with the interoperability issue; the lib exists so the layout is complete.
export {};
