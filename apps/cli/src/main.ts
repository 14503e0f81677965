#!/usr/bin/env node
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { DomainError } from '@palermo/indicators';
import { ConfigError } from '../../node/src/config/node.config';
import { registerAgreements } from './commands/agreements.command';
import { registerAudit } from './commands/audit.command';
import { registerBundle, EXIT } from './commands/bundle.command';
import { registerDemo } from './commands/demo.command';
import { registerFingerprint } from './commands/fingerprint.command';
import { registerInit } from './commands/init.command';
import { registerKeys } from './commands/keys.command';
import { registerMisp } from './commands/misp.command';
import { registerPartners } from './commands/partners.command';
import { registerPolicy } from './commands/policy.command';
import { registerStixImport } from './commands/stix-import.command';
import { registerStixExport } from './commands/stix-export.command';
import { registerTokens } from './commands/tokens.command';
import { registerNats } from './commands/nats.command';
import { UsageError } from './node-env';

/** The `palermo` command. */
export function buildProgram(): Command {
  const program = new Command('palermo')
    .description('Palermo: federated sharing of indicators of online human trafficking')
    .exitOverride()
    .showHelpAfterError();
  registerInit(program);
  registerTokens(program);
  registerKeys(program);
  registerPartners(program);
  registerBundle(program);
  registerPolicy(program);
  registerAgreements(program);
  registerStixImport(program);
  registerMisp(program);
  registerAudit(program);
  registerDemo(program);
  registerFingerprint(program);
  registerStixExport(program);
  registerNats(program);
  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // --help and --version end through here with exit code 0.
    return err.exitCode === 0 ? 0 : EXIT.usage;
  }
  if (err instanceof UsageError || err instanceof ConfigError) {
    process.stderr.write(`palermo: ${err.message}\n`);
    return EXIT.usage;
  }
  if (err instanceof DomainError) {
    process.stderr.write(`palermo: ${err.code}: ${err.message}\n`);
    return 1;
  }
  process.stderr.write(`palermo: ${(err as Error)?.stack ?? String(err)}\n`);
  return 1;
}

if (require.main === module) void main(process.argv);
