export { DEFAULT_CHANNELS, NOT_SET, classifyChannel, createChannelClassifier, siteChannelClassifier } from './channels.js';
export type { ChannelName, ClassifyOptions, DefaultChannel, SourceMediumCampaign } from './channels.js';
export { MAX_CHANNEL_NAME_LENGTH, MAX_CHANNEL_RULES, MAX_RULE_PATTERN_LENGTH, compileChannelRules, validateChannelRules } from './channel-rules.js';
export type { ChannelRule, ChannelRuleCondition, ChannelRuleIssue, ChannelRuleMatch, CompiledChannelRule } from './channel-rules.js';
export { SEARCH_SOURCES, SHOPPING_SOURCES, SOCIAL_SOURCES, VIDEO_SOURCES } from './source-categories.js';
export { SEARCH_ENGINES, deriveTouch, hostOf, searchEngineName, siteOf } from './touch.js';
export type { ClickIds, DerivedTouch, RawTouch, UtmFields } from './touch.js';
export { MODEL_NAMES, isModelName, keyFunction } from './journey.js';
export type { AttributionResult, AttributionRow, CreditKey, Journey, ModelName, Touch } from './journey.js';
export { attribute, creditedTouches } from './models.js';
export type { CreditedTouches } from './models.js';
export { markovFromTallies, tallyJourneys } from './markov.js';
export type { MarkovTallies } from './markov.js';
export type { AttributionOptions } from './models.js';
export { luDecompose, luSolve, solveLinearSystem } from './linear-system.js';
export type { LuDecomposition } from './linear-system.js';
export { MAX_REPORTED_ERRORS, PathsFileError, parsePathsFile } from './paths-file.js';
export type { PathsFileIssue } from './paths-file.js';
export { formatAttribution } from './format.js';
export type { FormatOptions } from './format.js';
export { ATTRIBUTE_USAGE, runAttributeCommand } from './cli.js';
export type { AttributeCommandIo } from './cli.js';
export { collectDemoData, generateDemoData } from './demo-data.js';
export type {
  DemoChunk,
  DemoConversion,
  DemoDataOptions,
  DemoIdentify,
  DemoOfflineTouch,
  DemoPageview,
  DemoPerson,
  DemoSession,
  DemoSpendRow,
  DemoTrack,
} from './demo-types.js';
export { createRandom } from './prng.js';
export type { Random } from './prng.js';
