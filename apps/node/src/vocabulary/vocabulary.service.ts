import { Injectable } from '@nestjs/common';
import { indicatorVocabulary, type IndicatorVocabulary } from '@palermo/indicators';

/** The indicator vocabulary this node validates against: fixed per release, so built once. */
@Injectable()
export class VocabularyService {
  private readonly vocabulary: IndicatorVocabulary = indicatorVocabulary();

  /** Types, TLP levels, tag rules and the ht taxonomy by category. */
  get(): IndicatorVocabulary {
    return this.vocabulary;
  }
}
