import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '../auth/roles';
import { ZodPipe } from '../zod.pipe';
import { uuidParamSchema } from './disputes.query';
import { IndicatorFeedbackService } from './indicator-feedback.service';

@ApiTags('disputes')
@ApiBearerAuth()
@Controller('indicators/:id/feedback')
export class IndicatorFeedbackController {
  constructor(private readonly feedback: IndicatorFeedbackService) {}

  @Get()
  @Roles('analyst', 'policy-officer', 'auditor', 'admin')
  @ApiOperation({ summary: "What came back about an indicator: partners' sightings per partner, local sightings, disputes and their states" })
  view(@Param('id', new ZodPipe(uuidParamSchema)) id: string) {
    return this.feedback.view(id);
  }
}
