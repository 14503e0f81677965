// mikro-orm-pglite publishes its types only through package.json "exports", which the repo's
// `moduleResolution: node` does not read; point the bare specifier at its declaration file.
declare module 'mikro-orm-pglite' {
  export * from 'mikro-orm-pglite/dist/index';
}
