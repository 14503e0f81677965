// NATS JetStream feeds (the only lib that knows subjects and the NATS client).
export { FeedPublisher, FEED_DUPLICATE_WINDOW_MS, FEED_HEADERS, type EnsuredStream, type FeedPublisherOptions } from './feed.publisher';
export { FeedSubscriber } from './feed.subscriber';
export { NATS_UNAVAILABLE, isTransientNatsError } from './federation.errors';
export { FederationModule, FEDERATION_OPTIONS, type FederationModuleAsyncOptions } from './federation.module';
export {
  assertAudience,
  assertNodeId,
  audiencesFor,
  feedConsumerName,
  feedStreamName,
  feedStreamSubject,
  feedSubject,
  lookupSubject,
  nodeSubjects,
  parseFeedSubject,
  parseReceiptSubject,
  receiptConsumerName,
  receiptStreamName,
  receiptStreamSubject,
  receiptSubject,
  nodeInboxPrefix,
  resyncSubject,
} from './federation.subjects';
export type {
  ChainRef,
  ChainStatus,
  FederationOptions,
  FeedFollow,
  FeedHandler,
  FeedMessage,
  FeedPublishInput,
  FeedPublishResult,
  FeedVerdict,
  FollowOptions,
  NatsHealth,
  NatsState,
} from './federation.types';
export { NatsConnection } from './nats.connection';
export { ReceiptChannel, type ReceiptFollowOptions, type ReceiptMessage, type ReceiptPublishInput } from './receipt.channel';
export {
  decodeResyncAnswer,
  encodeResyncAnswer,
  RESYNC_ANSWER_SPEC,
  ResyncChannel,
  resyncFeedMessage,
  type ResyncAnswer,
  type ResyncBundle,
  type ResyncRequestMessage,
} from './resync.channel';
export { LogChannel, type LogMessage } from './log.channel';
export {
  logCheckpointConsumerName,
  logCheckpointSubject,
  logProofSubject,
  logStreamName,
  logWitnessConsumerName,
  logWitnessStreamSubject,
  logWitnessSubject,
  parseLogWitnessSubject,
} from './federation.subjects';
export { KeyChannel, type KeyFollowOptions, type KeyStatementMessage, type KeyStatementPublishInput } from './key.channel';
export { keyConsumerName, keyStreamName, keySubject, parseKeySubject } from './federation.subjects';
export { FeedDelivery, messageDelivery, type ChainDelivery, type FeedDeliveryOptions, type MessageDelivery } from './feed.delivery';
export { LookupChannel, type LookupRequestMessage } from './lookup.channel';
export {
  ensureNodeStream,
  feedStreamConfig,
  keyStreamConfig,
  logStreamConfig,
  feedbackStreamConfig,
  nodeStreamConfigs,
  provisionNodeStreams,
  receiptStreamConfig,
  STREAM_NOT_PROVISIONED,
  type NodeStreamConfig,
  type NodeStreamKind,
  type ProvisionedStream,
  type StreamConfigOptions,
} from './stream.configs';
export { OPERATOR_INBOX_PREFIX, provisionStreams, type ProvisionStreamsOptions } from './stream.provisioner';
export { feedbackConsumerName, feedbackStreamName, feedbackStreamSubject, feedbackSubject, parseFeedbackSubject } from './federation.subjects';
export { FeedbackChannel, type FeedbackChannelMessage, type FeedbackFollowOptions, type FeedbackPublishInput } from './feedback.channel';
