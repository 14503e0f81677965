// Node-only helpers for integration and e2e tests and for `palermo demo` (not a Nest module).
export { freePort, tempDir } from './free-port.helper';
export { startNatsServer, type NatsServerHandle, type StartNatsServerOptions } from './nats-server.helper';
export { NodeProcess, nodeMainPath, repoRoot, type NodeProcessOptions } from './node.process';
export { assertTestDatabaseName, createTestDatabase, DEFAULT_TEST_PG_URL, type TestDatabase } from './test-database.helper';
export { connectNatsUser, nkeyPublicKey, type NatsUser, type NatsUserOptions } from './nats-user.helper';
