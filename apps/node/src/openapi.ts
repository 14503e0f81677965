import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { z } from 'zod';
import { indicatorJsonSchemas } from '@palermo/indicators';
import { agreementInputSchema } from '@palermo/policy';
import { transitionBodySchema } from './agreements/agreements.query';
import { putPolicySchema, simulateSchema, validatePolicySchema } from './policy/policy.query';

/** The request bodies whose JSON Schema comes from the zod schema that validates them. */
function bodySchemas(): Record<string, unknown> {
  const options = { io: 'input', unrepresentable: 'any' } as const;
  return {
    AgreementInput: z.toJSONSchema(agreementInputSchema, options),
    AgreementTransition: z.toJSONSchema(transitionBodySchema, options),
    PolicyPut: z.toJSONSchema(putPolicySchema, options),
    PolicyValidate: z.toJSONSchema(validatePolicySchema, options),
    PolicySimulate: z.toJSONSchema(simulateSchema, options),
  };
}

/** Serves the OpenAPI document at /api/docs, with indicator, agreement and policy schemas derived from the zod ones. */
export function setupOpenApi(app: INestApplication, nodeId: string): void {
  const config = new DocumentBuilder()
    .setTitle(`Palermo node ${nodeId}`)
    .setDescription('Federated sharing of indicators of online human trafficking (wire protocol palermo/bundle@1)')
    .setVersion('1')
    .addBearerAuth()
    .build();
  const document = SwaggerModule.createDocument(app, config);
  const schemas = indicatorJsonSchemas();
  document.components = {
    ...document.components,
    schemas: {
      ...document.components?.schemas,
      IndicatorInput: schemas.input as never,
      IndicatorBatch: schemas.batch as never,
      WireIndicator: schemas.wire as never,
      ...(bodySchemas() as Record<string, never>),
    },
  };
  SwaggerModule.setup('api/docs', app, document);
}
