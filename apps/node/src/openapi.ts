import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { indicatorJsonSchemas } from '@palermo/indicators';

/** Serves the OpenAPI document at /api/docs, with indicator schemas derived from the zod ones. */
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
    },
  };
  SwaggerModule.setup('api/docs', app, document);
}
