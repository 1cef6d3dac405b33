export { DEFAULT_CHANNELS, NOT_SET, classifyChannel, createChannelClassifier } from './channels.js';
export type { ChannelName, ClassifyOptions, DefaultChannel, SourceMediumCampaign } from './channels.js';
export { MAX_CHANNEL_NAME_LENGTH, MAX_CHANNEL_RULES, MAX_RULE_PATTERN_LENGTH, compileChannelRules, validateChannelRules } from './channel-rules.js';
export type { ChannelRule, ChannelRuleCondition, ChannelRuleIssue, ChannelRuleMatch, CompiledChannelRule } from './channel-rules.js';
export { SEARCH_SOURCES, SHOPPING_SOURCES, SOCIAL_SOURCES, VIDEO_SOURCES } from './source-categories.js';
export { SEARCH_ENGINES, deriveTouch, hostOf, searchEngineName, siteOf } from './touch.js';
export type { ClickIds, DerivedTouch, RawTouch, UtmFields } from './touch.js';
