import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ANY_ROLE, Roles } from '../auth/roles';
import { VocabularyService } from './vocabulary.service';

@ApiTags('vocabulary')
@ApiBearerAuth()
@Controller('vocabulary')
export class VocabularyController {
  constructor(private readonly vocabulary: VocabularyService) {}

  @Get()
  @Roles(...ANY_ROLE)
  @ApiOperation({ summary: 'Indicator types, TLP levels and the ht trafficking tag taxonomy (the tags input is checked against)' })
  get() {
    return this.vocabulary.get();
  }
}
