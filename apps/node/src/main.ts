import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';
import { AppModule } from './app.module';
import { ConfigError, loadNodeConfig } from './config/node.config';
import { loadResyncConfig } from './config/resync.config';
import { loadAlertsConfig } from './config/alerts.config';
import { STIX_IMPORT_PATH } from './interop/interop-import.controller';
import { loadNodeKeys } from './keys/node-keys';
import { setupOpenApi } from './openapi';

/** Boots one node from the environment; returns the app so tests and the CLI can close it. */
export async function bootstrapNode(env: NodeJS.ProcessEnv = process.env): Promise<NestExpressApplication> {
  const config = loadNodeConfig(env);
  loadResyncConfig(env); // fail fast naming a bad PALERMO_RESYNC_* (the module reads it again)
  loadAlertsConfig(env); // the same for PALERMO_ALERT_*_THRESHOLD
  const keys = await loadNodeKeys(config.dataDir);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, keys), { bodyParser: false });
  // 10,000 indicators of up to ~1 KB each fit; anything larger is refused with 413 before parsing.
  // POST /stix/import reads its body as a stream (a STIX file may be far larger): the parser skips it.
  const parseJson = json({ limit: '16mb', strict: true });
  app.use((req: Request, res: Response, next: NextFunction) => (isStreamedRoute(req.path) ? next() : parseJson(req, res, next)));
  // TAXII clients expect /taxii2/ at the server's root, not under /api/v1.
  app.setGlobalPrefix('api/v1', { exclude: ['healthz', 'taxii2', 'taxii2/{*path}'] });
  // Only the signals an operator uses to stop a node; SIGUSR2 and friends stay free for profilers.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  setupOpenApi(app, config.nodeId);
  await app.listen(config.port, config.host);
  const url = await app.getUrl();
  Logger.log(`palermo node ${config.nodeId} (${config.jurisdiction}) listening on ${url} — key ${keys.fingerprint}`, 'Palermo');
  return app;
}

/** Express routes paths case-insensitively and with or without a trailing slash: so does this test. */
function isStreamedRoute(path: string): boolean {
  return path.toLowerCase().replace(/\/+$/, '') === STIX_IMPORT_PATH;
}

if (require.main === module) {
  bootstrapNode().catch((err) => {
    const message = err instanceof ConfigError || (err as { code?: string }).code ? (err as Error).message : (err as Error).stack;
    process.stderr.write(`palermo node failed to start: ${message}\n`);
    process.exit(1);
  });
}
